import NIOConcurrencyHelpers
import PromptmillCore

/// A `PostgresRateBuckets` that is made when it first can be: setting one up reads and
/// writes the database, and a worker sets up its throttles where no error can be thrown
/// (`SharedJobState.throttle`). Until the buckets are made, each operation tries to make
/// them and throws what that failed with, as the buckets' own operations throw when the
/// database cannot be reached, so `SharedRateLimiter` treats both alike (a reservation that
/// cannot be made stops the request; nothing is sent past the shared limits).
final class DeferredRateBuckets: RateBucketStore {
    private let make: @Sendable () throws(StateError) -> PostgresRateBuckets
    private let made = NIOLockedValueBox<PostgresRateBuckets?>(nil)

    /// Tries `make` at once; a failure is kept for the first operation to try again.
    init(_ make: @escaping @Sendable () throws(StateError) -> PostgresRateBuckets) {
        self.make = make
        _ = try? buckets()
    }

    /// The buckets, made now if they were not (a synchronous round trip to the database).
    private func buckets() throws(StateError) -> PostgresRateBuckets {
        if let buckets = made.withLockedValue({ $0 }) { return buckets }
        let buckets = try make()
        return made.withLockedValue { made in
            if let earlier = made { return earlier }
            made = buckets
            return buckets
        }
    }

    func reserve(tokens: Int) async throws(StateError) -> RateReservation {
        try await buckets().reserve(tokens: tokens)
    }

    func settle(extraTokens: Int) async throws(StateError) -> RateBucketState {
        try await buckets().settle(extraTokens: extraTokens)
    }

    func release(tokens: Int) async throws(StateError) -> RateBucketState {
        try await buckets().release(tokens: tokens)
    }

    func pause(for duration: Duration) async throws(StateError) -> RateBucketState {
        try await buckets().pause(for: duration)
    }

    func learn(_ headers: RateLimitHeaders, sentAt: Duration?) async throws(StateError) -> RateBucketState {
        try await buckets().learn(headers, sentAt: sentAt)
    }

    func snapshot() async throws(StateError) -> RateBucketState {
        try await buckets().snapshot()
    }
}

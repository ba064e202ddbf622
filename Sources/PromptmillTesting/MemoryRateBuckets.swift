import PromptmillCore
import Synchronization

/// A `RateBucketStore` in memory, on an injected clock (a `TestClock` in tests): one shared
/// instance stands for the database every worker's `SharedRateLimiter` reaches. It runs
/// `RateBucketState`'s operations under a lock, which is what each SQL statement of
/// `PostgresRateBuckets` does under the row's lock.
public final class MemoryRateBuckets<C: Clock>: RateBucketStore where C.Duration == Duration {
    private struct Books: Sendable {
        var state: RateBucketState
        var failing: StateError?
        var operations = 0
    }

    private let clock: C
    private let origin: C.Instant
    private let books: Mutex<Books>

    /// New buckets of the configured limits, full now; the store's clock is `clock`'s time
    /// since this call.
    public init(requestsPerMinute: Int?, tokensPerMinute: Int?, clock: C) {
        self.clock = clock
        origin = clock.now
        books = Mutex(Books(state: RateBucketState(requestsPerMinute: requestsPerMinute, tokensPerMinute: tokensPerMinute, at: .zero)))
    }

    /// Makes every operation throw `error` until called with nil (a database gone away).
    public func fail(with error: StateError?) {
        books.withLock { $0.failing = error }
    }

    /// How many operations reached the store (round trips), failed ones included.
    public var operations: Int { books.withLock { $0.operations } }

    /// The state as the last operation left it, not refilled.
    public var state: RateBucketState { books.withLock { $0.state } }

    /// Takes new configured limits, as a worker opening the store with other limits does.
    public func configure(requestsPerMinute: Int?, tokensPerMinute: Int?) throws(StateError) -> RateBucketState {
        try apply { $0.configure(requestsPerMinute: requestsPerMinute, tokensPerMinute: tokensPerMinute, now: $1) }
    }

    public func reserve(tokens: Int) async throws(StateError) -> RateReservation {
        RateReservation(try apply { $0.reserve(tokens: tokens, now: $1) })
    }

    public func settle(extraTokens: Int) async throws(StateError) -> RateBucketState {
        try apply { $0.settle(extraTokens: extraTokens, now: $1) }
    }

    public func release(tokens: Int) async throws(StateError) -> RateBucketState {
        try apply { $0.release(tokens: tokens, now: $1) }
    }

    public func pause(for duration: Duration) async throws(StateError) -> RateBucketState {
        try apply { $0.pause(for: duration, now: $1) }
    }

    public func learn(_ headers: RateLimitHeaders, sentAt: Duration?) async throws(StateError) -> RateBucketState {
        try apply { $0.learn(headers, sentAt: sentAt, now: $1) }
    }

    public func snapshot() async throws(StateError) -> RateBucketState {
        try apply { state, now in state = state.refilled(to: now) }
    }

    private func apply(_ operation: (inout RateBucketState, Duration) -> Void) throws(StateError) -> RateBucketState {
        let now = origin.duration(to: clock.now)
        let outcome: Result<RateBucketState, StateError> = books.withLock { books in
            books.operations += 1
            if let error = books.failing { return .failure(error) }
            operation(&books.state, now)
            return .success(books.state)
        }
        return try outcome.get()
    }
}

/// The rate-limit buckets of one model at one API, kept where every worker of a job (and
/// every job on the same account) reaches them, and refilled by the store's own clock so
/// the workers' clocks never matter. `SharedRateLimiter` paces a worker's sends with one.
///
/// Each operation is atomic in the store: it refills the buckets to the store's now, acts,
/// and returns the state it left (`RateBucketState`, whose arithmetic every store follows).
/// A store is bound to its key (model and API base URL, never the API key) and to the
/// worker's configured limits, which seed the buckets and update them when they change.
/// Operations throw `StateError` when the store cannot be reached or refuses.
///
/// Implementations: `PostgresRateBuckets` (one row per key, one statement per operation);
/// `MemoryRateBuckets` in tests.
public protocol RateBucketStore: Sendable {
    /// Reserves one request and `tokens` tokens (they are taken even when the buckets are in
    /// debt: reservations queue in the order they reach the store), and returns how long to
    /// wait before sending and the reservation's time on the store's clock.
    func reserve(tokens: Int) async throws(StateError) -> RateReservation
    /// Takes `extraTokens` an answer used above its reservation.
    func settle(extraTokens: Int) async throws(StateError) -> RateBucketState
    /// Gives back one request and `tokens` tokens of a reservation never answered.
    func release(tokens: Int) async throws(StateError) -> RateBucketState
    /// Holds every send of every worker for `duration` from the store's now (after a 429).
    func pause(for duration: Duration) async throws(StateError) -> RateBucketState
    /// Learns limits and room from an answer's headers; `sentAt` is when its request was
    /// sent, on the store's clock (`RateReservation.sendAt`), nil for now. The capacity
    /// becomes the lower of the configured limit and the server's; the room is lowered to
    /// what `remaining` says, plus what refilled since `sentAt`.
    func learn(_ headers: RateLimitHeaders, sentAt: Duration?) async throws(StateError) -> RateBucketState
    /// The buckets refilled to the store's now, without taking anything.
    func snapshot() async throws(StateError) -> RateBucketState
}

/// A reservation taken in a `RateBucketStore`: how long its request must wait, and the
/// buckets right after it was taken (their `at` is the reservation's time on the store's
/// clock).
public struct RateReservation: Sendable, Equatable {
    public var wait: Duration
    public var state: RateBucketState

    /// `wait` is `state.wait` unless a store has its own reason to hold longer.
    public init(wait: Duration, state: RateBucketState) {
        self.wait = wait
        self.state = state
    }

    /// The reservation just taken in `state`, waiting as long as `state.wait` says.
    public init(_ state: RateBucketState) {
        self.init(wait: state.wait, state: state)
    }

    /// When the request may be sent, on the store's clock.
    public var sendAt: Duration { state.at + wait }
}

/// The shared buckets of one model at one API (one row of a `RateBucketStore`) as a value,
/// and the pure decisions each store operation makes on it. Times are durations on the
/// store's clock (its own origin: PostgreSQL's `clock_timestamp()` since 1970, a test
/// clock's offset), so the workers' clocks never enter the arithmetic.
///
/// Every operation first refills both buckets to `now` (never backwards: a `now` before
/// `at`, a statement that waited for the row's lock, counts as `at`), then acts.
/// `MemoryRateBuckets` runs these directly; `PostgresRateBuckets` runs the same arithmetic
/// in SQL, and its tests check it against these.
public struct RateBucketState: Sendable, Equatable {
    public private(set) var requests: RateBucket
    public private(set) var tokens: RateBucket
    /// No send before this time (a 429 holds every worker: the limit is the account's).
    public private(set) var pausedUntil: Duration?
    /// The store's clock at the last operation.
    public private(set) var at: Duration

    /// A state read back from a store.
    public init(requests: RateBucket, tokens: RateBucket, pausedUntil: Duration?, at: Duration) {
        self.requests = requests
        self.tokens = tokens
        self.pausedUntil = pausedUntil
        self.at = at
    }

    /// New buckets of the configured limits, full at `at`.
    public init(requestsPerMinute: Int?, tokensPerMinute: Int?, at: Duration) {
        self.init(
            requests: RateBucket(perMinute: requestsPerMinute, at: at), tokens: RateBucket(perMinute: tokensPerMinute, at: at),
            pausedUntil: nil, at: at)
    }

    /// How long the reservation just taken waits before its request may go: until the
    /// pause ends and until both buckets have refilled the debt it left.
    public var wait: Duration {
        max(pausedUntil.map { max(.zero, $0 - at) } ?? .zero, requests.debtWait, tokens.debtWait)
    }

    /// `wait`, but until both buckets have refilled `allowance` worth beyond the debt (see
    /// `RateBucket.wait(keeping:)`).
    public func wait(keeping allowance: Duration) -> Duration {
        max(wait, requests.wait(keeping: allowance), tokens.wait(keeping: allowance))
    }

    /// The limits and the room at `at`, as a `SendThrottle` reports them.
    public var throttleSnapshot: ThrottleSnapshot {
        ThrottleSnapshot(
            requestsPerMinute: requests.capacity, tokensPerMinute: tokens.capacity,
            availableRequests: requests.level.map { Int(max(0, $0)) }, availableTokens: tokens.level.map { Int(max(0, $0)) })
    }

    /// This state refilled to `now`, without taking anything (a snapshot).
    public func refilled(to now: Duration) -> RateBucketState {
        var copy = self
        copy.advance(to: now)
        return copy
    }

    /// Takes new configured limits (a worker's pipeline seeds the row; a run with other
    /// limits changes them): a lower capacity takes the difference off the room, a higher
    /// one refills faster from now on.
    public mutating func configure(requestsPerMinute: Int?, tokensPerMinute: Int?, now: Duration) {
        advance(to: now)
        requests.configure(perMinute: requestsPerMinute, now: at)
        tokens.configure(perMinute: tokensPerMinute, now: at)
    }

    /// Reserves one request and `tokens` tokens (debt model: it always succeeds); `wait`
    /// then says how long its holder must wait before sending.
    public mutating func reserve(tokens amount: Int, now: Duration) {
        advance(to: now)
        requests.reserve(1, now: at)
        tokens.reserve(Double(amount), now: at)
    }

    /// Takes the tokens an answer used above its reservation (OpenAI refunds nothing, so
    /// only more is ever taken).
    public mutating func settle(extraTokens: Int, now: Duration) {
        advance(to: now)
        tokens.settle(-Double(max(0, extraTokens)), now: at)
    }

    /// Gives back the reservation of a request that was never answered.
    public mutating func release(tokens amount: Int, now: Duration) {
        advance(to: now)
        requests.settle(1, now: at)
        tokens.settle(Double(amount), now: at)
    }

    /// Holds every send for `duration` from now; a longer pause already set stays.
    public mutating func pause(for duration: Duration, now: Duration) {
        advance(to: now)
        pausedUntil = max(pausedUntil ?? at, at + duration)
    }

    /// Corrects the buckets from an answer's headers, its request sent at `sentAt` (nil:
    /// now), as `RateLimiter.observe` does; see `RateBucket.learn`. A remaining count is
    /// read only with its limit.
    public mutating func learn(_ headers: RateLimitHeaders, sentAt: Duration?, now: Duration) {
        advance(to: now)
        let since = sentAt ?? at
        if let limit = headers.limitRequests {
            requests.learn(limit: limit, remaining: headers.remainingRequests, since: since, now: at)
        }
        if let limit = headers.limitTokens {
            tokens.learn(limit: limit, remaining: headers.remainingTokens, since: since, now: at)
        }
    }

    private mutating func advance(to now: Duration) {
        let last = at
        at = max(at, now)
        requests.refill(from: last, to: at)
        tokens.refill(from: last, to: at)
    }
}

/// What a dispatcher asks of a rate limiter; `RateLimiter` is the real one.
public protocol SendThrottle: Sendable {
    /// Waits until one request costing `tokenCost` tokens may be sent.
    func acquire(tokenCost: Int) async throws
    func settle(reservedTokens: Int, usedTokens: Int) async
    func pause(for duration: Duration) async
    func observe(_ headers: RateLimitHeaders) async
    /// The tokens-per-minute capacity, configured or learned, if any.
    var tokensPerMinute: Int? { get async }
    /// The requests-per-minute capacity, configured or learned, if any.
    var requestsPerMinute: Int? { get async }
}

extension RateLimiter: SendThrottle {}

/// What the sender asks of a rate limiter; `RateLimiter` is the real one.
public protocol SendThrottle: Sendable {
    /// Waits until one request costing `tokenCost` tokens may be sent.
    func acquire(tokenCost: Int) async throws
    func settle(reservedTokens: Int, usedTokens: Int) async
    func pause(for duration: Duration) async
    func observe(_ headers: RateLimitHeaders) async
}

extension RateLimiter: SendThrottle {}

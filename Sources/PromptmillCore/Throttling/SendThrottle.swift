/// What a dispatcher asks of a rate limiter; `RateLimiter` is the real one.
public protocol SendThrottle: Sendable {
    /// Waits until one request costing `tokenCost` tokens may be sent.
    func acquire(tokenCost: Int) async throws -> ThrottleTicket
    func settle(reservedTokens: Int, usedTokens: Int) async
    func pause(for duration: Duration) async
    /// An answer's `x-ratelimit-*` headers, with the ticket of its request.
    func observe(_ headers: RateLimitHeaders, ticket: ThrottleTicket?) async
    /// The tokens-per-minute capacity, configured or learned, if any.
    var tokensPerMinute: Int? { get async }
    /// The limits known now and the room left in them.
    var snapshot: ThrottleSnapshot { get async }
}

/// When a request was let go, on the limiter's clock: its answer's `remaining` headers are
/// read as of then.
public struct ThrottleTicket: Sendable, Equatable {
    public var sentAt: Duration
}

/// A throttle's limits (per minute, configured or learned) and what could be sent at once
/// now (nil where no limit is known).
public struct ThrottleSnapshot: Sendable, Equatable {
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?
    public var availableRequests: Int?
    public var availableTokens: Int?

    public init(requestsPerMinute: Int? = nil, tokensPerMinute: Int? = nil, availableRequests: Int? = nil, availableTokens: Int? = nil) {
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.availableRequests = availableRequests
        self.availableTokens = availableTokens
    }
}

extension RateLimiter: SendThrottle {}

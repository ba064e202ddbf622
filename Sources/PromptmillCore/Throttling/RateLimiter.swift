/// Schedules requests under the account's requests-per-minute and tokens-per-minute limits.
///
/// Every request reserves its cost before it is sent (one request, and its prompt tokens plus
/// the most completion tokens it may use); the answer's usage settles the difference. The
/// decisions are pure (`reserve` returns the wait), so tests drive them with a test clock.
public actor RateLimiter<C: Clock> where C.Duration == Duration {
    private let clock: C
    private let origin: C.Instant
    private var requests: TokenBucket?
    private var tokens: TokenBucket?
    /// No send before this time (a 429 holds the whole job: the limit is the account's).
    private var pausedUntil: Duration = .zero
    /// Requests and tokens reserved so far: a limit learned from an answer starts with them
    /// taken (see `observe`).
    private var issuedRequests = 0
    private var issuedTokens = 0.0

    public init(requestsPerMinute: Int?, tokensPerMinute: Int?, clock: C) {
        self.clock = clock
        origin = clock.now
        requests = requestsPerMinute.map { TokenBucket(perMinute: $0, now: .zero) }
        tokens = tokensPerMinute.map { TokenBucket(perMinute: $0, now: .zero) }
    }

    private var now: Duration { origin.duration(to: clock.now) }

    /// The tokens-per-minute capacity, if one is known.
    public var tokensPerMinute: Int? { tokens.map { Int($0.capacity) } }

    /// Reserves one request and `tokenCost` tokens, and returns how long to wait before sending.
    public func reserve(tokenCost: Int) -> Duration {
        let now = self.now
        issuedRequests += 1
        issuedTokens += Double(tokenCost)
        var wait = max(.zero, pausedUntil - now)
        if var bucket = requests {
            wait = max(wait, bucket.reserve(1, now: now))
            requests = bucket
        }
        if var bucket = tokens {
            wait = max(wait, bucket.reserve(Double(tokenCost), now: now))
            tokens = bucket
        }
        return wait
    }

    /// Waits for the reservation's turn on the limiter's clock; the ticket goes back with
    /// the answer's headers to `observe`.
    @discardableResult
    public func acquire(tokenCost: Int) async throws -> ThrottleTicket {
        let wait = reserve(tokenCost: tokenCost)
        let ticket = ThrottleTicket(sentAt: now + wait)
        if wait > .zero { try await clock.sleep(for: wait) }
        return ticket
    }

    /// Settles a reservation with the answer's usage. OpenAI reckons a request's tokens when
    /// it arrives, from its prompt and `max_tokens`, and gives nothing back when the answer is
    /// shorter; so only usage above the reservation is taken, never a refund.
    public func settle(reservedTokens: Int, usedTokens: Int) {
        guard usedTokens > reservedTokens, var bucket = tokens else { return }
        bucket.settle(Double(reservedTokens - usedTokens), now: now)
        tokens = bucket
    }

    /// A request that was never answered gives its reservation back.
    public func release(tokenCost: Int) {
        let now = self.now
        if var bucket = requests {
            bucket.settle(1, now: now)
            requests = bucket
        }
        if var bucket = tokens {
            bucket.settle(Double(tokenCost), now: now)
            tokens = bucket
        }
    }

    /// Holds every send for `duration` from now (after a 429).
    public func pause(for duration: Duration) {
        pausedUntil = max(pausedUntil, now + duration)
    }

    /// The requests-per-minute capacity, configured or learned, if any.
    public var requestsPerMinute: Int? { requests.map { Int($0.capacity) } }

    /// The limits and the room left in them now.
    public var snapshot: ThrottleSnapshot {
        let now = self.now
        requests?.refill(now: now)
        tokens?.refill(now: now)
        return ThrottleSnapshot(
            requestsPerMinute: requestsPerMinute, tokensPerMinute: tokensPerMinute,
            availableRequests: requests.map { Int(max(0, $0.level)) }, availableTokens: tokens.map { Int(max(0, $0.level)) })
    }

    /// Corrects the buckets from an answer's `x-ratelimit-*` headers: learns the limits when
    /// none were set, takes the server's limit when it is lower than the configured one (a
    /// pipeline's numbers may come from another tier or model; the account's are the
    /// truth), and believes the server when it knows less room than we think. A configured
    /// limit lower than the server's stays: the user may be sharing the quota.
    ///
    /// A limit learned from an answer starts as a full bucket when its request was sent,
    /// less everything reserved so far (sent before the limit was known, all of it is spent
    /// or about to be), refilled since; a lower limit than the configured one takes the
    /// difference off the room.
    ///
    /// `remaining` was the server's room when it took the request of `ticket`; since then
    /// its bucket refilled for at most the time elapsed since the send. It is read as if
    /// every request sent had reached the server before this one, so that only less room
    /// than that, another client spending the same quota, lowers the bucket. Answers come
    /// back in the server's order, not ours: reading each against the requests sent after it
    /// counted those that overtook it twice and, with 274 in flight, left the bucket 50
    /// requests in debt (10 s of a 60 s job idle).
    public func observe(_ headers: RateLimitHeaders, ticket: ThrottleTicket? = nil) {
        let now = self.now
        let since = ticket?.sentAt ?? now
        let elapsed = TokenBucket.seconds(now - since)
        if let limit = headers.limitRequests {
            if requests == nil {
                requests = TokenBucket(perMinute: limit, now: since)
                _ = requests?.reserve(Double(issuedRequests), now: since)
            }
            requests?.shrink(toPerMinute: limit, now: now)
            if let remaining = headers.remainingRequests, let rate = requests?.ratePerSecond {
                requests?.lower(to: Double(remaining) + elapsed * rate, now: now)
            }
        }
        if let limit = headers.limitTokens {
            if tokens == nil {
                tokens = TokenBucket(perMinute: limit, now: since)
                _ = tokens?.reserve(issuedTokens, now: since)
            }
            tokens?.shrink(toPerMinute: limit, now: now)
            if let remaining = headers.remainingTokens, let rate = tokens?.ratePerSecond {
                tokens?.lower(to: Double(remaining) + elapsed * rate, now: now)
            }
        }
    }
}

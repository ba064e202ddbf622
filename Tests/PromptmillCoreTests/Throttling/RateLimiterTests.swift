import Testing
import PromptmillCore
import PromptmillTesting

/// The limiter's decisions, driven by a test clock: no sleeping, no tolerance bands.
@Suite struct RateLimiterTests {
    /// The buckets start full: a whole minute's requests go at once, the next waits for refill.
    @Test func requestsBucketStartsFullThenRefills() async {
        let clock = TestClock()
        let limiter = RateLimiter(requestsPerMinute: 60, tokensPerMinute: nil, clock: clock)
        for _ in 0..<60 { #expect(await limiter.reserve(tokenCost: 1) == .zero) }
        #expect(await limiter.reserve(tokenCost: 1) == .seconds(1))
        #expect(await limiter.reserve(tokenCost: 1) == .seconds(2))
    }

    /// A token reservation waits until the tokens-per-minute bucket holds its cost, in order of asking.
    @Test func tokensBucketQueuesInOrder() async {
        let clock = TestClock()
        let limiter = RateLimiter(requestsPerMinute: nil, tokensPerMinute: 6000, clock: clock)
        #expect(await limiter.reserve(tokenCost: 6000) == .zero)
        #expect(await limiter.reserve(tokenCost: 100) == .seconds(1))
        #expect(await limiter.reserve(tokenCost: 100) == .seconds(2))
    }

    /// OpenAI charges prompt + max_tokens when a request arrives and refunds nothing: a short
    /// answer gives nothing back, usage above the reservation is taken.
    @Test func settlementNeverRefundsButTakesOveruse() async {
        let clock = TestClock()
        let limiter = RateLimiter(requestsPerMinute: nil, tokensPerMinute: 6000, clock: clock)
        #expect(await limiter.reserve(tokenCost: 5900) == .zero)
        await limiter.settle(reservedTokens: 5900, usedTokens: 10)
        #expect(await limiter.reserve(tokenCost: 100) == .zero)
        await limiter.settle(reservedTokens: 100, usedTokens: 200)
        #expect(await limiter.reserve(tokenCost: 100) == .seconds(2))
    }

    /// A 429 pause holds every send, however much room the buckets have.
    @Test func pauseHoldsEverySend() async throws {
        let clock = TestClock()
        let limiter = RateLimiter(requestsPerMinute: 1000, tokensPerMinute: nil, clock: clock)
        await limiter.pause(for: .milliseconds(1500))
        #expect(await limiter.reserve(tokenCost: 1) == .milliseconds(1500))
        try await clock.sleep(for: .seconds(2))
        #expect(await limiter.reserve(tokenCost: 1) == .zero)
    }

    /// With no limits configured, the first answer's headers set them.
    @Test func learnsLimitsFromHeaders() async {
        let clock = TestClock()
        let limiter = RateLimiter(requestsPerMinute: nil, tokensPerMinute: nil, clock: clock)
        #expect(await limiter.reserve(tokenCost: 100) == .zero)
        await limiter.observe(RateLimitHeaders(limitRequests: 60, limitTokens: 6000, remainingRequests: 0, remainingTokens: 0))
        #expect(await limiter.tokensPerMinute == 6000)
        #expect(await limiter.reserve(tokenCost: 100) == .seconds(1))
    }

    /// Reset headers are read in OpenAI's notation.
    @Test func parsesResetDurations() {
        #expect(RateLimitHeaders.parseReset("1s") == .seconds(1))
        #expect(RateLimitHeaders.parseReset("6m0s") == .seconds(360))
        #expect(RateLimitHeaders.parseReset("120ms") == .milliseconds(120))
        #expect(RateLimitHeaders.parseReset("17.5s") == .milliseconds(17500))
        #expect(RateLimitHeaders.parseReset("1h2m3s") == .seconds(3723))
        #expect(RateLimitHeaders.parseReset("soon") == nil)
    }
}

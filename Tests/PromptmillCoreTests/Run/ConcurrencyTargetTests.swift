import Testing
@testable import PromptmillCore

/// Requests in flight by Little's law: rate × latency, with headroom, within bounds.
@Suite struct ConcurrencyTargetTests {
    /// 600 requests a minute answered in 2 s need 20 in flight; with 25% headroom and two
    /// spare, 27. At 10,000 a minute, 419 (under the default ceiling of 512).
    @Test func requestsInFlightFollowRateAndLatency() {
        var target = ConcurrencyTarget(maxConcurrency: nil)
        target.sent(tokenCost: 100)
        target.answered(after: .seconds(2))
        #expect(target.limit(ThrottleSnapshot(requestsPerMinute: 600, tokensPerMinute: nil)) == 27)
        #expect(target.limit(ThrottleSnapshot(requestsPerMinute: 10_000, tokensPerMinute: nil)) == 419)
        #expect(target.limit(ThrottleSnapshot(requestsPerMinute: 100_000, tokensPerMinute: nil)) == 512)
    }

    /// Tokens per minute bind when they allow fewer requests than requests per minute:
    /// 60,000 tokens a minute at 1,000 tokens a request is 1 request a second.
    @Test func theTighterLimitBinds() {
        var target = ConcurrencyTarget(maxConcurrency: nil)
        target.sent(tokenCost: 1000)
        target.answered(after: .seconds(4))
        #expect(target.limit(ThrottleSnapshot(requestsPerMinute: 600, tokensPerMinute: 60_000)) == 7)
    }

    /// The user's `max_concurrency` is an upper bound; with no limits known it is used
    /// as it is, else 16.
    @Test func maxConcurrencyBoundsAndStandsInForUnknownLimits() {
        var target = ConcurrencyTarget(maxConcurrency: 8)
        #expect(target.limit(ThrottleSnapshot(requestsPerMinute: nil, tokensPerMinute: nil)) == 8)
        target.sent(tokenCost: 10)
        target.answered(after: .seconds(2))
        #expect(target.limit(ThrottleSnapshot(requestsPerMinute: 6000, tokensPerMinute: nil)) == 8)
        #expect(target.limit(ThrottleSnapshot(requestsPerMinute: 60, tokensPerMinute: nil)) == 5)
        #expect(ConcurrencyTarget(maxConcurrency: nil).limit(ThrottleSnapshot(requestsPerMinute: 600, tokensPerMinute: nil)) == 16)
    }

    /// Room left in a bucket (OpenAI's start full) may go at once: 600 a minute with 584
    /// left, answered in 2 s, is 27 + 584 in flight, held to the ceiling of 512.
    @Test func roomLeftInTheBucketsMayGoAtOnce() {
        var target = ConcurrencyTarget(maxConcurrency: nil)
        target.sent(tokenCost: 50)
        target.answered(after: .seconds(2))
        #expect(target.limit(ThrottleSnapshot(requestsPerMinute: 600, availableRequests: 584)) == 512)
        #expect(target.limit(ThrottleSnapshot(requestsPerMinute: 600, availableRequests: 40)) == 67)
        // The tighter room binds: 1,000 tokens left at 50 a request is 20 requests.
        #expect(
            target.limit(ThrottleSnapshot(requestsPerMinute: 600, tokensPerMinute: 600_000, availableRequests: 400, availableTokens: 1000))
                == 47)
    }

    /// Latency is smoothed: one slow answer moves the estimate a fifth of the way.
    @Test func latencyIsAMovingAverage() {
        var target = ConcurrencyTarget(maxConcurrency: nil)
        target.answered(after: .seconds(1))
        target.answered(after: .seconds(6))
        #expect(target.latency == 2)
    }
}

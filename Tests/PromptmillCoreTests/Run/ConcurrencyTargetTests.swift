import Testing
@testable import PromptmillCore

/// Requests in flight by Little's law: rate × latency, with headroom, within bounds.
@Suite struct ConcurrencyTargetTests {
    /// 600 requests a minute answered in 2 s need 20 in flight; with 25% headroom and two
    /// spare, 27. At 10,000 a minute, 419; at 100,000, 4,169, held to the default ceiling
    /// of 4,096 (the open-file limit out of the way).
    @Test func requestsInFlightFollowRateAndLatency() {
        var target = ConcurrencyTarget(maxConcurrency: nil, connections: .max)
        target.sent(tokenCost: 100)
        target.answered(after: .seconds(2))
        #expect(target.limit(ThrottleSnapshot(requestsPerMinute: 600, tokensPerMinute: nil)) == 27)
        #expect(target.limit(ThrottleSnapshot(requestsPerMinute: 10_000, tokensPerMinute: nil)) == 419)
        #expect(target.limit(ThrottleSnapshot(requestsPerMinute: 100_000, tokensPerMinute: nil)) == 4096)
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
    /// as it is, else 64.
    @Test func maxConcurrencyBoundsAndStandsInForUnknownLimits() {
        var target = ConcurrencyTarget(maxConcurrency: 8)
        #expect(target.limit(ThrottleSnapshot(requestsPerMinute: nil, tokensPerMinute: nil)) == 8)
        target.sent(tokenCost: 10)
        target.answered(after: .seconds(2))
        #expect(target.limit(ThrottleSnapshot(requestsPerMinute: 6000, tokensPerMinute: nil)) == 8)
        #expect(target.limit(ThrottleSnapshot(requestsPerMinute: 60, tokensPerMinute: nil)) == 5)
        #expect(ConcurrencyTarget(maxConcurrency: nil).limit(ThrottleSnapshot(requestsPerMinute: 600, tokensPerMinute: nil)) == 64)
    }

    /// Room left in a bucket (OpenAI's start full) may go at once: 600 a minute with 584
    /// left, answered in 2 s, is 27 + 584 in flight; 6,000 a minute with 5,936 left is
    /// 252 + 5,936, held to the ceiling of 4,096 (the open-file limit out of the way).
    @Test func roomLeftInTheBucketsMayGoAtOnce() {
        var target = ConcurrencyTarget(maxConcurrency: nil, connections: .max)
        target.sent(tokenCost: 50)
        target.answered(after: .seconds(2))
        #expect(target.limit(ThrottleSnapshot(requestsPerMinute: 600, availableRequests: 584)) == 611)
        #expect(target.limit(ThrottleSnapshot(requestsPerMinute: 6000, availableRequests: 5936)) == 4096)
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

    /// A server that says it is overloaded halves the requests in flight, once per window of
    /// answers: 419 needed at 10,000 a minute, 400 out when the first 503 came, so 200; a
    /// second sign from the same window changes nothing; 200 answers later, a tenth more.
    @Test func overloadHalvesOncePerWindowAndAnswersGrowItBack() {
        var target = ConcurrencyTarget(maxConcurrency: nil)
        let limits = ThrottleSnapshot(requestsPerMinute: 10_000, tokensPerMinute: nil)
        target.sent(tokenCost: 100)
        target.answered(after: .seconds(2))
        #expect(target.limit(limits) == 419)
        target.overloaded(inFlight: 400)
        #expect(target.limit(limits) == 200)
        target.overloaded(inFlight: 380)
        #expect(target.limit(limits) == 200)
        for _ in 0..<200 { target.answered(after: .seconds(2)) }
        #expect(target.limit(limits) == 220)
        target.overloaded(inFlight: 220)
        #expect(target.limit(limits) == 110)
    }

    /// Grown back past the ceiling (512, with 512 connections allowed), the bound is gone:
    /// rate × latency rules again.
    @Test func growthPastTheCeilingLiftsTheBound() {
        var target = ConcurrencyTarget(maxConcurrency: nil, connections: 512)
        let limits = ThrottleSnapshot(requestsPerMinute: 10_000, tokensPerMinute: nil)
        target.answered(after: .seconds(2))
        target.overloaded(inFlight: 800)
        #expect(target.tolerated == 256)
        var answers = 0
        while target.tolerated != nil, answers < 10_000 {
            target.answered(after: .seconds(2))
            answers += 1
        }
        // 256, 281.6, 309.8, 340.7, 374.8, 412.3, 453.5, 498.9, then past 512.
        #expect(answers == 256 + 282 + 310 + 341 + 375 + 413 + 454 + 499)
        #expect(target.limit(limits) == 419)
    }

    /// The ceiling never passes the connections the open-file limit allows, whether it is
    /// the default or the user's `max_concurrency`; the configuration's pool is sized alike.
    @Test func theCeilingFollowsTheOpenFileLimit() {
        #expect(ConcurrencyTarget(maxConcurrency: nil, connections: .max).ceiling == 4096)
        #expect(ConcurrencyTarget(maxConcurrency: nil, connections: 768).ceiling == 768)
        #expect(ConcurrencyTarget(maxConcurrency: 10_000, connections: 1000).ceiling == 1000)
        #expect(ConcurrencyTarget(maxConcurrency: 10_000, connections: .max).ceiling == 10_000)
        #expect(PipelineConfiguration.Limits.concurrencyCeiling(maxConcurrency: nil, connections: 768) == 768)
        var target = ConcurrencyTarget(maxConcurrency: nil, connections: 768)
        target.answered(after: .seconds(2))
        #expect(target.limit(ThrottleSnapshot(requestsPerMinute: 6000, availableRequests: 6000)) == 768)
    }

    /// Before the first answer, at most 64 requests go, and at most 20,000 tokens' worth:
    /// 13 of 1,500 tokens; the user's `max_concurrency` is taken as it is.
    @Test func theBlindStartIsCappedInRequestsAndTokens() {
        let unknown = ThrottleSnapshot(requestsPerMinute: nil, tokensPerMinute: nil)
        let cases: [(maxConcurrency: Int?, tokenCost: Int, limit: Int)] = [(nil, 40, 64), (nil, 1500, 13), (nil, 100_000, 1), (100, 1500, 100)]
        for (maxConcurrency, tokenCost, limit) in cases {
            var target = ConcurrencyTarget(maxConcurrency: maxConcurrency)
            target.sent(tokenCost: tokenCost)
            #expect(target.limit(unknown) == limit, "max_concurrency \(String(describing: maxConcurrency)), \(tokenCost) tokens")
        }
    }

    /// Before anything is known the blind start is halved too; never below 1.
    @Test func overloadBoundsTheUnknownLimitsStartToo() {
        var target = ConcurrencyTarget(maxConcurrency: nil)
        let unknown = ThrottleSnapshot(requestsPerMinute: nil, tokensPerMinute: nil)
        target.overloaded(inFlight: 16)
        #expect(target.limit(unknown) == 8)
        var lone = ConcurrencyTarget(maxConcurrency: 1)
        lone.overloaded(inFlight: 1)
        #expect(lone.limit(unknown) == 1)
    }

    /// Which answers are signs of load: gateway and overload statuses, timeouts, dropped
    /// connections, and refused ones once the server had answered; not a 500, a 429 or a 400.
    @Test func signsOfOverload() {
        func http(_ status: Int) -> RetryPolicy.Outcome {
            .http(status: status, error: APIErrorBody.parse([], status: status), retryAfter: nil)
        }
        #expect([502, 503, 504, 529].allSatisfy { LiveDispatcher.saysOverloaded(http($0), reached: true) })
        #expect(![500, 429, 400, 404].contains { LiveDispatcher.saysOverloaded(http($0), reached: true) })
        #expect(LiveDispatcher.saysOverloaded(.transport(TransportError(.timeout, "60 s")), reached: false))
        #expect(LiveDispatcher.saysOverloaded(.transport(TransportError(.connection, "reset")), reached: false))
        #expect(!LiveDispatcher.saysOverloaded(.transport(TransportError(.unreachable, "refused")), reached: false))
        #expect(LiveDispatcher.saysOverloaded(.transport(TransportError(.unreachable, "refused")), reached: true))
    }
}

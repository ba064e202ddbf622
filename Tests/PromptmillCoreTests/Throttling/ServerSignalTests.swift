import Foundation
import Testing
import PromptmillCore
import PromptmillTesting

/// What servers other than OpenAI's send about their limits, read as OpenAI's would be.
@Suite struct ServerSignalTests {
    /// Azure and proxies send `-1`, `0` or text for limits they do not have: those headers
    /// are ignored, so no limit is learned from them and no row is refused for them.
    @Test func limitHeadersOutsideTheirRangeAreIgnored() async {
        for (limit, remaining) in [("-1", "-1"), ("0", "0"), ("unlimited", "n/a"), ("", "")] {
            let response = HTTPResponse.json(
                200, "{}",
                headers: [
                    ("x-ratelimit-limit-tokens", limit), ("x-ratelimit-remaining-tokens", remaining),
                    ("x-ratelimit-limit-requests", limit), ("x-ratelimit-remaining-requests", remaining),
                    ("x-ratelimit-reset-tokens", "0"),
                ])
            let headers = RateLimitHeaders(response)
            #expect(headers.limitTokens == nil && headers.limitRequests == nil, "limit \(limit)")
            #expect(headers.remainingTokens == nil && headers.remainingRequests == nil, "remaining \(remaining)")
            let limiter = RateLimiter(requestsPerMinute: nil, tokensPerMinute: nil, clock: TestClock())
            await limiter.observe(headers)
            #expect(await limiter.tokensPerMinute == nil)
            #expect(await limiter.reserve(tokenCost: 1_000_000) == .zero)
        }
        // A remaining count of 0 with a real limit is a real signal.
        let real = RateLimitHeaders(.json(200, "{}", headers: [("x-ratelimit-limit-tokens", "40000"), ("x-ratelimit-remaining-tokens", "0")]))
        #expect(real.limitTokens == 40000 && real.remainingTokens == 0)
    }

    /// `Retry-After` in seconds, or as an HTTP date measured from the answer's own `Date`
    /// (RFC 9110 §10.2.3), in each of the three date forms; OpenAI's `retry-after-ms` first.
    @Test func retryAfterInEveryForm() {
        let date = "Wed, 02 Dec 2026 10:00:00 GMT"
        func wait(_ headers: [(name: String, value: String)]) -> Duration? {
            RetryAfter.wait(in: .json(429, "<html>slow down</html>", headers: headers), now: Date(timeIntervalSince1970: 0))
        }
        #expect(wait([("retry-after", "Wed, 02 Dec 2026 10:00:11 GMT"), ("date", date)]) == .seconds(11))
        #expect(wait([("retry-after", "Wednesday, 02-Dec-26 10:00:11 GMT"), ("date", date)]) == .seconds(11))
        #expect(wait([("retry-after", "Wed Dec  2 10:00:11 2026"), ("date", date)]) == .seconds(11))
        #expect(wait([("retry-after", "Wed, 02 Dec 2026 09:59:00 GMT"), ("date", date)]) == .zero)
        #expect(wait([("retry-after", "7")]) == .seconds(7))
        #expect(wait([("retry-after", "1.5")]) == .milliseconds(1500))
        #expect(wait([("retry-after-ms", "1200"), ("retry-after", "7")]) == .milliseconds(1200))
        #expect(wait([("retry-after", "soon")]) == nil)
        // No Date header: measured from now.
        let now = Date(timeIntervalSince1970: 1_796_205_600)  // 2026-12-02 10:00:00 UTC
        #expect(RetryAfter.wait(in: .json(429, "", headers: [("retry-after", "Wed, 02 Dec 2026 10:00:11 GMT")]), now: now) == .seconds(11))
    }

    /// A refusal of the account (a billing hard limit, a proxy's budget, 402) stops the job
    /// resumably whatever its status: it is not a row's fault and not worth a retry.
    @Test func accountRefusalsStopTheJob() {
        let policy = RetryPolicy(maxRetries: 3)
        var random = SystemRandomNumberGenerator()
        for (status, type, code) in [
            (400, "invalid_request_error", "billing_hard_limit_reached"), (429, "budget_exceeded", nil),
            (403, "invalid_request_error", "account_deactivated"), (402, nil, nil),
        ] as [(Int, String?, String?)] {
            let decision = policy.decide(
                .http(status: status, error: APIErrorBody(message: "refused", type: type, code: code, param: nil), retryAfter: nil),
                attempt: 1, model: "m", random: &random)
            guard case .stop(let stop) = decision, case .accountRefused(status, _, "refused") = stop else {
                Issue.record("\(status) \(code ?? type ?? ""): \(decision)")
                continue
            }
            #expect(stop.exitCode == 4)
        }
    }

    /// Limits configured higher than the account's (from another tier or model): the
    /// first answer's headers lower them to the server's, rate included; a configured
    /// limit lower than the server's stays (the user may share the quota).
    @Test func theServersLowerLimitsWin() async {
        let clock = TestClock()
        let limiter = RateLimiter(requestsPerMinute: 1200, tokensPerMinute: 400_000, clock: clock)
        await limiter.observe(
            RateLimitHeaders(.json(200, "{}", headers: [("x-ratelimit-limit-requests", "600"), ("x-ratelimit-limit-tokens", "200000")])))
        #expect(await limiter.requestsPerMinute == 600)
        #expect(await limiter.tokensPerMinute == 200_000)
        // 600 a minute: after the bucket's 600, the next waits a tenth of a second.
        for _ in 0..<600 { _ = await limiter.reserve(tokenCost: 1) }
        #expect(await limiter.reserve(tokenCost: 1) == .milliseconds(100))

        let modest = RateLimiter(requestsPerMinute: 100, tokensPerMinute: nil, clock: clock)
        await modest.observe(RateLimitHeaders(.json(200, "{}", headers: [("x-ratelimit-limit-requests", "10000")])))
        #expect(await modest.requestsPerMinute == 100)
    }

    /// A limit learned from an answer counts what was sent before it was known: ten sent
    /// blind, the first answer says 600 a minute and 599 left (as the server took the first):
    /// 590 are left now, not 599 (which would overshoot by the nine in flight), and later
    /// answers reporting older room pull it no lower.
    @Test func remainingIsReadAsOfItsRequest() async throws {
        let limiter = RateLimiter(requestsPerMinute: nil, tokensPerMinute: nil, clock: TestClock())
        var tickets: [ThrottleTicket] = []
        for _ in 0..<10 { tickets.append(try await limiter.acquire(tokenCost: 1)) }
        let answer = { (remaining: Int) in
            RateLimitHeaders(.json(200, "{}", headers: [("x-ratelimit-limit-requests", "600"), ("x-ratelimit-remaining-requests", "\(remaining)")]))
        }
        await limiter.observe(answer(599), ticket: tickets[0])
        #expect(await limiter.snapshot.availableRequests == 590)
        for _ in 0..<5 { _ = try await limiter.acquire(tokenCost: 1) }
        await limiter.observe(answer(598), ticket: tickets[1])
        #expect(await limiter.snapshot.availableRequests == 585)
    }

    /// Once the limit is known, an answer is read as if every request sent had reached the
    /// server before it: fifty out and the first answer says 559 left (it was overtaken by
    /// forty) lowers nothing; an answer saying 500 left, which no order of our fifty explains,
    /// is another client spending the quota, and the bucket is lowered to it.
    @Test func roomIsLoweredOnlyWhenNoOrderOfArrivalExplainsIt() async throws {
        let limiter = RateLimiter(requestsPerMinute: 600, tokensPerMinute: nil, clock: TestClock())
        let answer = { (remaining: Int) in
            RateLimitHeaders(.json(200, "{}", headers: [("x-ratelimit-limit-requests", "600"), ("x-ratelimit-remaining-requests", "\(remaining)")]))
        }
        var tickets: [ThrottleTicket] = []
        for _ in 0..<50 { tickets.append(try await limiter.acquire(tokenCost: 1)) }
        await limiter.observe(answer(559), ticket: tickets[0])
        #expect(await limiter.snapshot.availableRequests == 550)
        await limiter.observe(answer(500), ticket: tickets[1])
        #expect(await limiter.snapshot.availableRequests == 500)
    }

    /// An answer that lowers the limit takes the difference off the room: the pipeline
    /// said 600, the account allows 300, and ten requests are out: 290 are left.
    @Test func aLoweredLimitSetsTheRoomAtOnce() async throws {
        let limiter = RateLimiter(requestsPerMinute: 600, tokensPerMinute: nil, clock: TestClock())
        var tickets: [ThrottleTicket] = []
        for _ in 0..<10 { tickets.append(try await limiter.acquire(tokenCost: 1)) }
        await limiter.observe(
            RateLimitHeaders(.json(200, "{}", headers: [("x-ratelimit-limit-requests", "300"), ("x-ratelimit-remaining-requests", "299")])),
            ticket: tickets[0])
        #expect(await limiter.requestsPerMinute == 300)
        #expect(await limiter.snapshot.availableRequests == 290)
    }
}

import Testing
import PromptmillCore

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(maxRetries: 3)

    struct FixedRandom: RandomNumberGenerator {
        mutating func next() -> UInt64 { UInt64.max }
    }

    func decide(_ status: Int, type: String?, code: String?, attempt: Int = 1, retryAfter: Duration? = nil) -> RetryPolicy.Decision {
        var random = FixedRandom()
        return policy.decide(
            .http(status: status, error: APIErrorBody(message: "m", type: type, code: code, param: nil), retryAfter: retryAfter),
            attempt: attempt, model: "gpt-x", random: &random)
    }

    /// A rate limit waits what the server asked for.
    @Test func rateLimitWaitsRetryAfter() {
        #expect(decide(429, type: "requests", code: "rate_limit_exceeded", retryAfter: .milliseconds(1200)) == .retry(after: .milliseconds(1200)))
    }

    /// A repeated 429 backs off exponentially, never below what the server asked.
    @Test func repeated429BacksOff() {
        #expect(
            decide(429, type: "tokens", code: "rate_limit_exceeded", attempt: 3, retryAfter: .milliseconds(100)) == .retry(after: .milliseconds(2000))
        )
        #expect(
            decide(429, type: "tokens", code: "rate_limit_exceeded", attempt: 2, retryAfter: .milliseconds(3000))
                == .retry(after: .milliseconds(3000)))
    }

    /// An unknown model stops the job with exit code 2, naming the model.
    @Test func unknownModelStops() {
        let decision = decide(404, type: "invalid_request_error", code: "model_not_found")
        #expect(decision == .stop(.modelNotFound(model: "gpt-x", message: "m")))
        if case .stop(let stop) = decision {
            #expect(stop.exitCode == 2)
            #expect(stop.message == "the API does not know the model 'gpt-x' (m) — fix 'model' in the pipeline")
        }
    }

    /// An exhausted quota stops the job, read from the code and never from the message.
    @Test func insufficientQuotaStops() {
        #expect(decide(429, type: "insufficient_quota", code: "insufficient_quota") == .stop(.quotaExhausted(message: "m")))
    }

    /// Refused credentials stop the job with exit code 4.
    @Test func authenticationStops() {
        let decision = decide(401, type: "invalid_request_error", code: "invalid_api_key")
        #expect(decision == .stop(.authentication(status: 401, message: "m")))
        if case .stop(let stop) = decision { #expect(stop.exitCode == 4) }
    }

    /// Server errors retry with capped exponential backoff until max_retries, then give up,
    /// as a transient failure (the row stays pending for the next run).
    @Test func serverErrorsRetryThenGiveUp() {
        #expect(decide(500, type: "server_error", code: nil, attempt: 1) == .retry(after: .milliseconds(500)))
        #expect(decide(503, type: nil, code: nil, attempt: 3) == .retry(after: .milliseconds(2000)))
        #expect(
            decide(500, type: "server_error", code: nil, attempt: 4)
                == .giveUp(RowFailure(type: "server_error", message: "m", status: 500, transient: true)))
    }

    /// A 400 is the request's own fault: no retry.
    @Test func badRequestGivesUp() {
        #expect(
            decide(400, type: "invalid_request_error", code: "context_length_exceeded")
                == .giveUp(RowFailure(type: "context_length_exceeded", message: "m", status: 400)))
    }

    /// Full jitter: the wait is uniform in [0, base × 2^(attempt-1)], capped.
    @Test func backoffIsCapped() {
        var random = FixedRandom()
        #expect(policy.backoff(attempt: 30, random: &random) == .seconds(60))
    }
}

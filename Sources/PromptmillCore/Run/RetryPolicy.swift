/// Decides what to do with a failed attempt, as a pure value so tests need no clock.
///
/// Classification reads the status and OpenAI's `error.type` / `error.code`, never the
/// message text.
public struct RetryPolicy: Sendable {
    /// What one attempt came back with, when it was not a usable answer.
    public enum Outcome: Sendable {
        case http(status: Int, error: APIErrorBody, retryAfter: Duration?)
        case transport(TransportError)
        /// A 200 whose body cannot be used (unparsable, empty, or choices that do not match).
        case unusable(ResponseError)
    }

    public enum Decision: Sendable, Equatable {
        case retry(after: Duration)
        case giveUp(RowFailure)
        case stop(JobStop)
    }

    public var maxRetries: Int
    public var baseDelay: Duration
    public var maxDelay: Duration
    /// `limits.max_wait_s`: the longest wait a server may ask for (`Retry-After`) before the
    /// run stops instead of holding every request that long.
    public var maxWait: Duration

    public init(
        maxRetries: Int, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(60), maxWait: Duration = .seconds(900)
    ) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxWait = maxWait
    }

    /// `attempt` counts from 1 for the attempt that just failed.
    public func decide(_ outcome: Outcome, attempt: Int, model: String, random: inout some RandomNumberGenerator) -> Decision {
        let failure: RowFailure
        switch outcome {
        case .http(let status, let error, let retryAfter):
            let kind = error.code ?? error.type
            if status == 429, error.code == "insufficient_quota" || error.type == "insufficient_quota" {
                return .stop(.quotaExhausted(message: error.message))
            }
            if status == 402 || kind.map(Self.accountCodes.contains) == true {
                return .stop(.accountRefused(status: status, code: kind ?? "payment_required", message: error.message))
            }
            if status == 401 || status == 403 {
                return .stop(.authentication(status: status, message: error.message))
            }
            if status == 404, kind == "model_not_found" {
                return .stop(.modelNotFound(model: model, message: error.message))
            }
            let retryable = status == 408 || status == 409 || status == 429 || status >= 500
            failure = RowFailure(
                type: kind ?? "http_\(status)", message: error.message, status: status, parameter: error.param, transient: retryable)
            guard retryable else { return .giveUp(failure) }
            if let retryAfter, retryAfter > maxWait {
                return .stop(.serverWait(wait: retryAfter, until: nil, status: status, message: error.message))
            }
            guard attempt <= maxRetries else { return .giveUp(failure) }
            if let retryAfter {
                // The server's word first, however long (up to `maxWait`); when the same
                // request is refused again, back off exponentially (never below what the
                // server asked).
                let wait = attempt > 1 ? max(retryAfter, backoff(attempt: attempt, random: &random)) : retryAfter
                return .retry(after: max(retryAfter, min(wait, maxDelay)))
            }
        case .transport(let error):
            failure = RowFailure(
                type: error.kind == .timeout ? "timeout" : "connection_error", message: error.description, status: nil, transient: true)
            guard attempt <= maxRetries else { return .giveUp(failure) }
        case .unusable(let error):
            // An odd answer (empty, unparsable, mismatched) may be the server's passing state:
            // never final; the row stays pending for the next run.
            failure = RowFailure(type: error.failureType, message: error.description, status: 200, transient: true)
            guard attempt <= maxRetries else { return .giveUp(failure) }
        }
        return .retry(after: backoff(attempt: attempt, random: &random))
    }

    /// Error codes and types that refuse the account whatever the request: OpenAI's billing
    /// and account codes, and the budget errors of common proxies (LiteLLM's
    /// `budget_exceeded`). Whatever their status, sending more only buys more refusals.
    static let accountCodes: Set<String> = [
        "billing_hard_limit_reached", "billing_not_active", "account_deactivated", "access_terminated",
        "organization_deactivated", "budget_exceeded",
    ]

    /// Exponential backoff with full jitter: uniform in [0, min(max, base × 2^(attempt-1))].
    public func backoff(attempt: Int, random: inout some RandomNumberGenerator) -> Duration {
        let exponent = min(attempt - 1, 20)
        let ceiling = min(maxDelay, baseDelay * (1 << exponent))
        let milliseconds = ceiling.components.seconds * 1000 + ceiling.components.attoseconds / 1_000_000_000_000_000
        return .milliseconds(Int64.random(in: 0...max(0, milliseconds), using: &random))
    }
}

/// Why an attempt was sent again: the keys of `TimelineSample.retries` and the `cause`
/// label of `promptmill_retries_total`.
public enum RetryCause: String, Sendable, CaseIterable {
    /// A 429 answer.
    case rateLimited = "rate_limited"
    /// A 5xx answer.
    case serverError = "server_error"
    /// No answer within `limits.timeout_s`.
    case timeout
    /// The connection failed, dropped, or was cut short.
    case connection
    /// A 200 whose body could not be used (unparsable, empty, choices that do not match).
    case unusableAnswer = "unusable_answer"
    /// Rows whose answer broke the schema (or was lost from a packed answer), sent again.
    case schemaMismatch = "schema_mismatch"
    /// Anything else the retry policy retries (408, 409).
    case other

    /// The cause of a retry decided on `outcome`.
    init(_ outcome: RetryPolicy.Outcome) {
        switch outcome {
        case .http(429, _, _): self = .rateLimited
        case .http(let status, _, _): self = status >= 500 ? .serverError : .other
        case .transport(let error): self = error.kind == .timeout ? .timeout : .connection
        case .unusable: self = .unusableAnswer
        }
    }
}

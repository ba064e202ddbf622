/// What the simulator admitted and refused for one model: the figures a benchmark needs to
/// know what each step of a job asked of that model's limits.
public struct SimulatorModelStatistics: Sendable, Equatable {
    /// Requests that passed the rate limits (each took one request from the bucket).
    public var admitted = 0
    /// Requests answered 429 `rate_limit_exceeded`.
    public var rateLimited = 0
    /// Tokens the admitted requests took from the tokens-per-minute bucket, as OpenAI
    /// reckons them: prompt tokens plus the completion limit (`max_tokens` × `n`).
    public var chargedTokens = 0
    /// Seconds from the simulator's start to the first and the last admitted request.
    public var firstAdmitted: Double?
    public var lastAdmitted: Double?

    public init() {}
}

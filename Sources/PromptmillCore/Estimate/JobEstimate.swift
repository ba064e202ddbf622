/// What a job will take, worked out with no network: exact prompt tokens, the range of
/// completion tokens and cost, the rows that cannot fit, and the least time the limits allow.
public struct JobEstimate: Sendable {
    public var model: String
    public var encoding: String
    public var rows = 0
    public var badRows = 0
    public var requests = 0
    /// Of the rows to send; exact, counted as the API counts them.
    public var promptTokens = 0
    /// `max_tokens` × max(n, best_of) for every prompt: the most the job can generate.
    public var completionTokensMax = 0
    /// Rows whose answer is already in the response cache: free, and left out of the
    /// token and cost figures.
    public var cachedRows = 0
    /// Rows that will be sent.
    public var uncachedRows = 0
    /// Ids of rows whose prompt plus `max_tokens` exceed the model's context window.
    public var overContext: [String] = []
    public var contextWindow: Int?
    /// nil when the model has no price in the table and the pipeline gives none.
    public var costMin: Money?
    public var costMax: Money?
    /// The least time the job can take under its rate limits, nil when it has none.
    public var minSeconds: Double?
    public var pricesDate: String
    /// Where the prices come from (the table, `pricing:`); nil when there are none.
    public var pricesSource: String?
    /// Multi-step pipelines: each step's figures; the job's are their sums, and
    /// `promptTokens` is then the least the steps can send, `promptTokensMax` the most.
    public var steps: [StepEstimate] = []
    public var promptTokensMax: Int?
}

/// One step of a multi-step estimate. The first step's prompts are exact; a later step's
/// depend on earlier answers, so they range from the template without them to the template
/// with the longest answers the earlier steps may give (and from none to every row when
/// its `when` reads an earlier step).
public struct StepEstimate: Sendable {
    public var name: String
    public var model: String
    public var endpoint: String
    /// Rows that may be sent to the step.
    public var rows = 0
    public var requests = 0
    public var promptTokensMin = 0
    public var promptTokensMax = 0
    public var completionTokensMax = 0
    public var costMin: Money?
    public var costMax: Money?
    /// True when the prompt tokens are exact (the first step).
    public var exact = false
}

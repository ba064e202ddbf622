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

/// `estimate --json`: the contract's names; `prompt_tokens_max` and `steps` when the
/// records carry each step.
extension JobEstimate: Encodable {
    enum CodingKeys: String, CodingKey {
        case rows
        case badRows = "bad_rows"
        case requests
        case promptTokens = "prompt_tokens"
        case completionTokensMax = "completion_tokens_max"
        case cachedRows = "cached_rows"
        case costUSDMin = "cost_usd_min"
        case costUSDMax = "cost_usd_max"
        case overContext = "over_context"
        case contextWindow = "context_window"
        case minSeconds = "min_seconds"
        case model, encoding
        case pricesDate = "prices_date"
        case pricesSource = "prices_source"
        case promptTokensMax = "prompt_tokens_max"
        case steps
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rows, forKey: .rows)
        try container.encode(badRows, forKey: .badRows)
        try container.encode(requests, forKey: .requests)
        try container.encode(promptTokens, forKey: .promptTokens)
        try container.encode(completionTokensMax, forKey: .completionTokensMax)
        try container.encode(cachedRows, forKey: .cachedRows)
        try container.encode(costMin, forKey: .costUSDMin)
        try container.encode(costMax, forKey: .costUSDMax)
        try container.encode(overContext, forKey: .overContext)
        try container.encode(contextWindow, forKey: .contextWindow)
        try container.encode(minSeconds.map { ($0 * 1000).rounded() / 1000 }, forKey: .minSeconds)
        try container.encode(model, forKey: .model)
        try container.encode(encoding, forKey: .encoding)
        try container.encode(pricesDate, forKey: .pricesDate)
        try container.encode(pricesSource, forKey: .pricesSource)
        // Set with `steps` when the records carry each step.
        if let promptTokensMax {
            try container.encode(promptTokensMax, forKey: .promptTokensMax)
            try container.encode(steps, forKey: .steps)
        }
    }
}

extension StepEstimate: Encodable {
    enum CodingKeys: String, CodingKey {
        case name, endpoint, model, rows, requests
        case promptTokensMin = "prompt_tokens_min"
        case promptTokensMax = "prompt_tokens_max"
        case completionTokensMax = "completion_tokens_max"
        case costUSDMin = "cost_usd_min"
        case costUSDMax = "cost_usd_max"
        case exact
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(endpoint, forKey: .endpoint)
        try container.encode(model, forKey: .model)
        try container.encode(rows, forKey: .rows)
        try container.encode(requests, forKey: .requests)
        try container.encode(promptTokensMin, forKey: .promptTokensMin)
        try container.encode(promptTokensMax, forKey: .promptTokensMax)
        try container.encode(completionTokensMax, forKey: .completionTokensMax)
        try container.encode(costMin, forKey: .costUSDMin)
        try container.encode(costMax, forKey: .costUSDMax)
        try container.encode(exact, forKey: .exact)
    }
}

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
    public var promptTokensBasis = PromptTokensBasis.exact
    public var completionTokensMax = 0
    public var costMin: Money?
    public var costMax: Money?
    /// True when the prompt tokens are exact (the first step).
    public var exact = false
    /// `pack`: rows a request (1: not packed).
    public var pack = 1
    /// Unpacked, one row a request: its requests and prompt tokens (equal to the packed
    /// figures when the step does not pack).
    public var requestsUnpacked = 0
    public var promptTokensUnpackedMin = 0
    public var promptTokensUnpackedMax = 0
}

extension StepEstimate: Encodable {
    enum CodingKeys: String, CodingKey {
        case name, endpoint, model, rows, requests
        case promptTokensMin = "prompt_tokens_min"
        case promptTokensMax = "prompt_tokens_max"
        case promptTokensBasis = "prompt_tokens_basis"
        case completionTokensMax = "completion_tokens_max"
        case costUSDMin = "cost_usd_min"
        case costUSDMax = "cost_usd_max"
        case exact, pack
        case requestsUnpacked = "requests_unpacked"
        case promptTokensUnpackedMin = "prompt_tokens_unpacked_min"
        case promptTokensUnpackedMax = "prompt_tokens_unpacked_max"
    }

    /// `pack` and the unpacked figures only for a step that packs.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(endpoint, forKey: .endpoint)
        try container.encode(model, forKey: .model)
        try container.encode(rows, forKey: .rows)
        try container.encode(requests, forKey: .requests)
        try container.encode(promptTokensMin, forKey: .promptTokensMin)
        try container.encode(promptTokensMax, forKey: .promptTokensMax)
        try container.encode(promptTokensBasis, forKey: .promptTokensBasis)
        try container.encode(completionTokensMax, forKey: .completionTokensMax)
        try container.encode(costMin, forKey: .costUSDMin)
        try container.encode(costMax, forKey: .costUSDMax)
        try container.encode(exact, forKey: .exact)
        if pack > 1 {
            try container.encode(pack, forKey: .pack)
            try container.encode(requestsUnpacked, forKey: .requestsUnpacked)
            try container.encode(promptTokensUnpackedMin, forKey: .promptTokensUnpackedMin)
            try container.encode(promptTokensUnpackedMax, forKey: .promptTokensUnpackedMax)
        }
    }
}

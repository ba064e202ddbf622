/// `estimate --json`: the contract's names; `prompt_tokens_max` and `steps` when the
/// records carry each step; the unpacked figures when a step packs; `check` after
/// `--check N`. `cost_usd_by_mode` has `{min, max}` for `standard`, `flex` and `batch`, null
/// for flex when no model of the job offers it (and for all three without prices);
/// `cost_usd_min` and `cost_usd_max` are the cost as `plan` sends the job.
extension JobEstimate: Encodable {
    enum CodingKeys: String, CodingKey {
        case rows
        case badRows = "bad_rows"
        case requests
        case promptTokens = "prompt_tokens"
        case promptTokensBasis = "prompt_tokens_basis"
        case completionTokensMax = "completion_tokens_max"
        case cachedRows = "cached_rows"
        case costUSDMin = "cost_usd_min"
        case costUSDMax = "cost_usd_max"
        case costUSDByMode = "cost_usd_by_mode"
        case plan
        case overContext = "over_context"
        case contextWindow = "context_window"
        case minSeconds = "min_seconds"
        case model, encoding
        case pricesDate = "prices_date"
        case pricesSource = "prices_source"
        case promptTokensMax = "prompt_tokens_max"
        case steps, pack
        case requestsUnpacked = "requests_unpacked"
        case promptTokensUnpacked = "prompt_tokens_unpacked"
        case minSecondsUnpacked = "min_seconds_unpacked"
        case uncappedOutput = "uncapped_output"
        case check
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rows, forKey: .rows)
        try container.encode(badRows, forKey: .badRows)
        try container.encode(requests, forKey: .requests)
        try container.encode(promptTokens, forKey: .promptTokens)
        try container.encode(promptTokensBasis, forKey: .promptTokensBasis)
        try container.encode(completionTokensMax, forKey: .completionTokensMax)
        try container.encode(cachedRows, forKey: .cachedRows)
        try container.encode(costMin, forKey: .costUSDMin)
        try container.encode(costMax, forKey: .costUSDMax)
        try container.encode(ByWay(ways: [.batch, .flex, .standard]) { costByMode[$0] }, forKey: .costUSDByMode)
        try container.encodeIfPresent(plan, forKey: .plan)
        try container.encode(overContext, forKey: .overContext)
        try container.encode(contextWindow, forKey: .contextWindow)
        try container.encode(minSeconds.map(Self.milliseconds), forKey: .minSeconds)
        try container.encode(model, forKey: .model)
        try container.encode(encoding, forKey: .encoding)
        try container.encode(pricesDate, forKey: .pricesDate)
        try container.encode(pricesSource, forKey: .pricesSource)
        try container.encode(uncappedOutput, forKey: .uncappedOutput)
        // Set with `steps` when the records carry each step.
        if let promptTokensMax {
            try container.encode(promptTokensMax, forKey: .promptTokensMax)
            try container.encode(steps, forKey: .steps)
        }
        if pack > 1 { try container.encode(pack, forKey: .pack) }
        if let unpacked {
            try container.encode(unpacked.requests, forKey: .requestsUnpacked)
            try container.encode(unpacked.promptTokens, forKey: .promptTokensUnpacked)
            try container.encode(unpacked.minSeconds.map(Self.milliseconds), forKey: .minSecondsUnpacked)
        }
        if let check { try container.encode(check, forKey: .check) }
    }

    /// Seconds to the millisecond.
    static func milliseconds(_ seconds: Double) -> Double {
        (seconds * 1000).rounded() / 1000
    }
}

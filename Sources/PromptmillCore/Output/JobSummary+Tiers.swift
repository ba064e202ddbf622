/// The summary's `by_tier` (each served tier's rows, usage and cost: `batch`, `flex`,
/// `standard`, `priority`) and `by_mode` (`batch`, `flex`, `standard`: rows, requests, cost),
/// CONTRACT.md's Additions.
struct TierEntry: Encodable, Sendable {
    var rows: Int
    var requests: Int
    var usage: TokenUsage
    var cost: Money?

    enum CodingKeys: String, CodingKey {
        case rows, requests
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case cachedPromptTokens = "cached_prompt_tokens"
        case reasoningTokens = "reasoning_tokens"
        case costUSD = "cost_usd"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rows, forKey: .rows)
        try container.encode(requests, forKey: .requests)
        try container.encode(usage.promptTokens, forKey: .promptTokens)
        try container.encode(usage.completionTokens, forKey: .completionTokens)
        try container.encode(usage.cachedPromptTokens, forKey: .cachedPromptTokens)
        try container.encode(usage.reasoningTokens, forKey: .reasoningTokens)
        try container.encode(cost, forKey: .costUSD)
    }

    /// Every tier with rows or requests; `modes` gives batch, flex and standard always
    /// (priority counts as standard there: it is a live request at a higher price).
    static func entries(_ statistics: RunStatistics, modes: Bool) -> [String: TierEntry] {
        var entries: [String: TierEntry] = [:]
        let names = Set(statistics.tiers.keys).union(statistics.requestsByTier.keys)
        for name in names {
            let figures = statistics.tiers[name] ?? JobLedger.ModelFigures()
            let key = modes && name == "priority" ? "standard" : name
            var entry = entries[key] ?? TierEntry(rows: 0, requests: 0, usage: .zero, cost: .zero)
            entry.rows += figures.items
            entry.requests += statistics.requestsByTier[name] ?? 0
            entry.usage += figures.usage
            entry.cost += figures.cost
            entries[key] = entry
        }
        if modes {
            for name in ["batch", "flex", "standard"] where entries[name] == nil {
                entries[name] = TierEntry(rows: 0, requests: 0, usage: .zero, cost: .zero)
            }
        }
        return entries
    }
}

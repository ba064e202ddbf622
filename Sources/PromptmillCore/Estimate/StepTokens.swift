/// What the estimate knows of one step's tokens, enough to price it any way: the least
/// prompt tokens it can send (with as much as the prompt cache may serve of each request),
/// the most, and the most completion tokens.
struct StepTokens: Sendable {
    var model: String
    var prices: ModelPrices?
    /// The tier `params.service_tier` asks for when the job is live.
    var requestedTier: ServiceTier?
    var leastPromptTokens = 0
    var leastCacheableTokens = 0
    var mostPromptTokens = 0
    var completionTokensMax = 0

    /// The way this step's rows go when the job goes `tier`: flex only where the step's
    /// model offers it (standard otherwise, as the run sends them).
    func way(_ tier: ServiceTier) -> ServiceTier {
        tier == .flex && prices?.offers(.flex) != true ? .standard : tier
    }

    /// The step's cost range going `tier` (see `way`); nil without prices.
    func range(_ tier: ServiceTier) -> CostRange? {
        guard let prices else { return nil }
        let way = way(tier)
        let least = TokenUsage(
            promptTokens: leastPromptTokens, completionTokens: 0, cachedPromptTokens: leastCacheableTokens, tier: way)
        return CostRange(
            min: prices.cost(of: least),
            max: prices.worstCase(promptTokens: mostPromptTokens, completionTokens: completionTokensMax, tier: way))
    }

    /// The step's cost range as `plan` sends the job: a live job at the tier the step asks
    /// for, otherwise each way's share of the rows at its prices.
    func range(_ plan: ModePlan, mode: JobMode) -> CostRange? {
        if mode == .live { return range(requestedTier ?? .standard) }
        let rows = plan.rowsByMode.values.reduce(0, +)
        guard rows > 0 else { return range(plan.mode) }
        var total: CostRange? = .zero
        for (tier, count) in plan.rowsByMode.sorted(by: { $0.key < $1.key }) where count > 0 {
            total = total + (count == rows ? range(tier) : range(tier)?.scaled(by: Double(count) / Double(rows)))
        }
        return total
    }
}

/// What a request of these rows reserves before it is sent, written once for the planner,
/// the budget gate and the dispatcher.
extension Collection where Element == PreparedRow {
    /// Against tokens-per-minute, as OpenAI reckons a request on arrival: every prompt's
    /// exact tokens plus the most completion tokens each may use (`completionBudget`).
    func tokenCost(completionBudget: Int) -> Int {
        reduce(0) { $0 + $1.promptTokens + completionBudget }
    }

    /// Against the budget: every prompt token at the input price and every completion at its
    /// limit; zero when the model has no price (no budget is kept then).
    /// `tier`: the way the rows go (a batch's worst case is at batch prices).
    func worstCase(prices: ModelPrices?, completionBudget: Int, tier: ServiceTier = .standard) -> Money {
        guard let prices else { return .zero }
        return prices.worstCase(promptTokens: reduce(0) { $0 + $1.promptTokens }, completionTokens: count * completionBudget, tier: tier)
    }
}

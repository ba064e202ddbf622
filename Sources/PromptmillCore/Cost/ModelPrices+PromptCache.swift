extension ModelPrices {
    /// What OpenAI's prompt cache saved on `usage`: its cached prompt tokens at the input
    /// price less the cached-input price. The dearer cache writes are not set against it:
    /// they are what the cost says they are.
    public func promptCacheSavings(of usage: TokenUsage) -> Money {
        (input - cachedInput) * usage.cachedPromptTokens
    }
}

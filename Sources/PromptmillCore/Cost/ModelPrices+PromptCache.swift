extension ModelPrices {
    /// What OpenAI's prompt cache saved on `usage`: its cached prompt tokens at the input
    /// price less the cached-input price, both of the tier that served it. The dearer cache
    /// writes are not set against it: they are what the cost says they are.
    public func promptCacheSavings(of usage: TokenUsage) -> Money {
        let prices = prices(for: usage.tier)
        return (prices.input - prices.cachedInput) * usage.cachedPromptTokens
    }
}

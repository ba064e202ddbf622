/// What one model costs per token, as the job prices it: the built-in table's figures with
/// the pipeline's `pricing:` overrides on top.
public struct ModelPrices: Sendable, Equatable {
    public var input: Money
    public var output: Money
    /// Prompt tokens the API served from its prompt cache; the input price when the model
    /// has no cached price.
    public var cachedInput: Money
    /// Prompt tokens written to the prompt cache; the input price when the model has no
    /// cache-write price.
    public var cacheWrite: Money
    /// Where the figures come from: `table of 2026-05-14`, `pipeline pricing`, or both.
    public var source: String

    public init(input: Money, output: Money, cachedInput: Money? = nil, cacheWrite: Money? = nil, source: String) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput ?? input
        self.cacheWrite = cacheWrite ?? input
        self.source = source
    }

    /// The exact price of `usage`: prompt tokens at the input price, those served from the
    /// prompt cache at the cached-input price and those written to it at the cache-write
    /// price; completion tokens (reasoning tokens among them) at the output price.
    public func cost(of usage: TokenUsage) -> Money {
        input * (usage.promptTokens - usage.cachedPromptTokens - usage.cacheWriteTokens) + cachedInput * usage.cachedPromptTokens
            + cacheWrite * usage.cacheWriteTokens + output * usage.completionTokens
    }

    /// The least a prompt can cost: as much of it as OpenAI's prompt cache may serve
    /// (`PromptCache.cacheableTokens`) at the cached price, the rest at the input price.
    public func leastCost(promptTokens: Int) -> Money {
        cost(
            of: TokenUsage(
                promptTokens: promptTokens, completionTokens: 0,
                cachedPromptTokens: PromptCache.cacheableTokens(promptTokens)))
    }

    /// What a request may cost at most: every prompt token uncached (or written to the cache,
    /// where that costs more), every completion at its limit. What a budget reserves before
    /// the request is sent.
    public func worstCase(promptTokens: Int, completionTokens: Int) -> Money {
        max(input, cacheWrite) * promptTokens + output * completionTokens
    }
}

/// A price override from the pipeline's `pricing:` key, in USD per 1M tokens. A field left
/// out keeps the table's figure.
public struct PriceOverride: Sendable, Equatable {
    public var input: Double?
    public var output: Double?
    public var cachedInput: Double?
    public var cacheWrite: Double?

    public init(input: Double? = nil, output: Double? = nil, cachedInput: Double? = nil, cacheWrite: Double? = nil) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput
        self.cacheWrite = cacheWrite
    }
}

extension ModelCatalog {
    /// The prices a job uses for `model`: the table's entry overlaid with `override`; nil
    /// when neither gives both an input and an output price.
    public func prices(for model: String, override: PriceOverride?) -> ModelPrices? {
        let info = info(for: model)
        let input = override?.input.map(Money.init(dollarsPerMillionTokens:)) ?? info?.inputPrice
        // An embedding or moderation model prices no output: zero, not unknown.
        let output =
            override?.output.map(Money.init(dollarsPerMillionTokens:)) ?? info?.outputPrice
            ?? (info?.mode == "embedding" || info?.mode == "moderation" ? .zero : nil)
        guard let input, let output else { return nil }
        let cached = override?.cachedInput.map(Money.init(dollarsPerMillionTokens:)) ?? info?.cachedInputPrice
        let written = override?.cacheWrite.map(Money.init(dollarsPerMillionTokens:)) ?? info?.cacheWritePrice
        let source: String
        if let override, override.input != nil || override.output != nil || override.cachedInput != nil || override.cacheWrite != nil {
            source = info == nil ? "pipeline pricing" : "pipeline pricing over the table of \(pricesDate)"
        } else {
            source = "table of \(pricesDate)"
        }
        return ModelPrices(input: input, output: output, cachedInput: cached, cacheWrite: written, source: source)
    }
}

/// OpenAI's prompt cache: prompts of 1,024 tokens or more, served in steps of 128 tokens.
public enum PromptCache {
    /// The most of a prompt of `tokens` tokens the cache can serve.
    public static func cacheableTokens(_ tokens: Int) -> Int {
        tokens >= 1024 ? 1024 + (tokens - 1024) / 128 * 128 : 0
    }
}

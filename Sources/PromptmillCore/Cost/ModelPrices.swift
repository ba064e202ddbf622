/// What one model costs per token, as the job prices it: the built-in table's figures with
/// the pipeline's `pricing:` overrides on top. `input`, `output`, `cachedInput` and
/// `cacheWrite` are the standard tier's; `tiers` holds the Batch API's, flex's and
/// priority's where the table knows them, and `prices(for:)` says what a tier without its
/// own figures is charged.
public struct ModelPrices: Sendable, Equatable {
    public var input: Money
    public var output: Money
    /// Prompt tokens the API served from its prompt cache; the input price when the model
    /// has no cached price.
    public var cachedInput: Money
    /// Prompt tokens written to the prompt cache; the input price when the model has no
    /// cache-write price.
    public var cacheWrite: Money
    /// The figures of the other ways where the table (and `pricing:` over it) gives them:
    /// `.batch`, `.flex`, `.priority`. A `.standard` entry is never read.
    public var tiers: [ServiceTier: TierPrices]
    /// Where the figures come from: `table of 2026-05-14`, `pipeline pricing`, or both.
    public var source: String

    public init(
        input: Money, output: Money, cachedInput: Money? = nil, cacheWrite: Money? = nil, tiers: [ServiceTier: TierPrices] = [:],
        source: String
    ) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput ?? input
        self.cacheWrite = cacheWrite ?? input
        self.tiers = tiers.filter { $0.key != .standard }
        self.source = source
    }

    /// The standard tier's figures.
    public var standard: TierPrices {
        TierPrices(input: input, output: output, cachedInput: cachedInput, cacheWrite: cacheWrite)
    }

    /// The prices a request served by `tier` is charged:
    /// - standard: the standard figures;
    /// - a tier the table prices: its figures;
    /// - batch without figures: half of every standard figure. OpenAI's Batch API guide
    ///   (platform.openai.com/docs/guides/batch) gives a "50% cost discount compared to
    ///   synchronous APIs" for every model it serves, and the table's batch column misses
    ///   models the Batch API takes (`gpt-4-turbo`, `omni-moderation-latest`), so half is
    ///   nearer the bill than the full price;
    /// - flex without figures: the batch prices, as OpenAI prices flex
    ///   (developers.openai.com/api/docs/guides/flex-processing: "Tokens are priced at Batch
    ///   API rates"); `offers(.flex)` is still false, so promptmill never asks for it;
    /// - priority without figures: the standard figures, the only fallback there is (no
    ///   rule relates priority to standard); an answer served at priority for such a model
    ///   is then counted cheaper than billed, until `pricing:` or the table gives its price.
    public func prices(for tier: ServiceTier) -> TierPrices {
        if tier == .standard { return standard }
        if let known = tiers[tier] { return known }
        switch tier {
        case .batch: return standard.halved
        case .flex: return prices(for: .batch)
        case .standard, .priority: return standard
        }
    }

    /// Whether promptmill may ask for `tier` with this model: standard and the Batch API
    /// always (the server refuses a model the Batch API does not take, and the run sends its
    /// rows live), flex and priority only where the table has their prices: flex is in
    /// beta for some models only.
    public func offers(_ tier: ServiceTier) -> Bool {
        switch tier {
        case .standard, .batch: true
        case .flex, .priority: tiers[tier] != nil
        }
    }

    /// Whether `tier`'s prices are the table's (or `pricing:`'s) own figures rather than a
    /// rule of `prices(for:)`.
    public func hasOwnFigures(for tier: ServiceTier) -> Bool {
        tier == .standard || tiers[tier] != nil
    }

    /// The exact price of `usage`, by the tier that served it (`usage.tier`; see
    /// `prices(for:)` for a tier without figures).
    public func cost(of usage: TokenUsage) -> Money {
        prices(for: usage.tier).cost(of: usage)
    }

    /// The least a prompt can cost at `tier`: as much of it as OpenAI's prompt cache may
    /// serve (`PromptCache.cacheableTokens`) at the cached price, the rest at the input price.
    public func leastCost(promptTokens: Int, tier: ServiceTier = .standard) -> Money {
        cost(
            of: TokenUsage(
                promptTokens: promptTokens, completionTokens: 0,
                cachedPromptTokens: PromptCache.cacheableTokens(promptTokens), tier: tier))
    }

    /// What a request may cost at most at `tier`: every prompt token uncached (or written to
    /// the cache, where that costs more), every completion at its limit. What a budget
    /// reserves before the request is sent.
    public func worstCase(promptTokens: Int, completionTokens: Int, tier: ServiceTier = .standard) -> Money {
        let prices = prices(for: tier)
        return max(prices.input, prices.cacheWrite) * promptTokens + prices.output * completionTokens
    }
}

/// OpenAI's prompt cache: prompts of 1,024 tokens or more, served in steps of 128 tokens.
public enum PromptCache {
    /// The most of a prompt of `tokens` tokens the cache can serve.
    public static func cacheableTokens(_ tokens: Int) -> Int {
        tokens >= 1024 ? 1024 + (tokens - 1024) / 128 * 128 : 0
    }
}

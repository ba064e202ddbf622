/// Token counts as the API reports them (for a request) or as split onto one row.
///
/// The details are parts of the two totals, as OpenAI reports them: cached and cache-write
/// tokens are prompt tokens, reasoning tokens are completion tokens (billed as output).
public struct TokenUsage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// The part of `promptTokens` the API served from its prompt cache
    /// (`prompt_tokens_details.cached_tokens`, responses' `input_tokens_details.cached_tokens`),
    /// billed at the cached-input price.
    public var cachedPromptTokens: Int
    /// The part of `promptTokens` written to the prompt cache
    /// (`prompt_tokens_details.cache_write_tokens`, responses' `input_tokens_details`), billed
    /// at the cache-write price where the model has one.
    public var cacheWriteTokens: Int
    /// The part of `completionTokens` the model spent reasoning, unseen
    /// (`completion_tokens_details.reasoning_tokens`, responses' `output_tokens_details`).
    public var reasoningTokens: Int
    /// The server sent no usage: promptmill counted the prompt tokens with the model's
    /// tokenizer (by OpenAI's rules, as the estimate does) and the completion tokens from
    /// the answer's text. Records show it as `"counted": true`.
    public var counted: Bool
    /// The way these tokens were served and are priced: the Batch API, or the live tier the
    /// answer's `service_tier` names (not the one asked for). A sum of usages of different
    /// tiers keeps the left one's: sum per tier before pricing (`RunStatistics.byTier`).
    public var tier: ServiceTier

    public init(
        promptTokens: Int, completionTokens: Int, cachedPromptTokens: Int = 0, cacheWriteTokens: Int = 0, reasoningTokens: Int = 0,
        counted: Bool = false, tier: ServiceTier = .standard
    ) {
        self.tier = tier
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedPromptTokens = cachedPromptTokens
        self.cacheWriteTokens = cacheWriteTokens
        self.reasoningTokens = reasoningTokens
        self.counted = counted
    }

    public static let zero = TokenUsage(promptTokens: 0, completionTokens: 0)

    public static func += (lhs: inout TokenUsage, rhs: TokenUsage) {
        lhs.promptTokens += rhs.promptTokens
        lhs.completionTokens += rhs.completionTokens
        lhs.cachedPromptTokens += rhs.cachedPromptTokens
        lhs.cacheWriteTokens += rhs.cacheWriteTokens
        lhs.reasoningTokens += rhs.reasoningTokens
        lhs.counted = lhs.counted || rhs.counted
    }

    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        var sum = lhs
        sum += rhs
        return sum
    }
}

/// Token counts as the API reports them (for a request) or as split onto one row.
public struct TokenUsage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// The part of `promptTokens` the API served from its prompt cache
    /// (`usage.prompt_tokens_details.cached_tokens`), billed at the cached-input price.
    public var cachedPromptTokens: Int
    /// The server sent no usage: promptmill counted the prompt tokens with the model's
    /// tokenizer (by OpenAI's rules, as the estimate does) and the completion tokens from
    /// the answer's text. Records show it as `"counted": true`.
    public var counted: Bool

    public init(promptTokens: Int, completionTokens: Int, cachedPromptTokens: Int = 0, counted: Bool = false) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cachedPromptTokens = cachedPromptTokens
        self.counted = counted
    }

    public static let zero = TokenUsage(promptTokens: 0, completionTokens: 0)

    public static func += (lhs: inout TokenUsage, rhs: TokenUsage) {
        lhs.promptTokens += rhs.promptTokens
        lhs.completionTokens += rhs.completionTokens
        lhs.cachedPromptTokens += rhs.cachedPromptTokens
        lhs.counted = lhs.counted || rhs.counted
    }
}

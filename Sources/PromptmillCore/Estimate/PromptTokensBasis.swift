/// How an estimate's prompt tokens were counted: the model's tokenizer on the text the API
/// counts, OpenAI's published rule for chat messages, or that rule carried over to the
/// Responses API, for which OpenAI publishes none.
public enum PromptTokensBasis: String, Sendable, Encodable, Comparable {
    /// completions, embeddings, moderations: each prompt's tokens, as the API counts them.
    case exact
    /// chat: OpenAI's per-message rule (3 tokens a message, the role and the content, 3 to
    /// prime the reply).
    case chatRule = "chat_rule"
    /// responses: the chat rule with `instructions` as a first `developer` message and a
    /// string input as one `user` message; a rule, not a measurement.
    case chatFramingRule = "chat_framing_rule"

    init(_ endpoint: Endpoint) {
        switch endpoint {
        case .completions, .embeddings, .moderations: self = .exact
        case .chat: self = .chatRule
        case .responses: self = .chatFramingRule
        }
    }

    /// What `estimate` prints after the prompt tokens.
    public var explanation: String {
        switch self {
        case .exact, .chatRule: "exact"
        case .chatFramingRule:
            "counted by the chat framing rule, instructions as a developer message and the input as user messages: a rule, not a measurement — OpenAI publishes none for responses; estimate --check N compares it with the API's count"
        }
    }

    /// The least exact of two bases is the job's.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        let order: [Self] = [.exact, .chatRule, .chatFramingRule]
        return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
    }
}

/// One chat message, for counting a chat request's prompt tokens.
public struct ChatMessageTokens: Sendable {
    public var role: String
    public var content: String
    public var name: String?

    public init(role: String, content: String, name: String? = nil) {
        self.role = role
        self.content = content
        self.name = name
    }
}

extension Tokenizer {
    /// OpenAI's rule: every message costs 3 tokens plus its role and content, a name 1 more
    /// plus its own tokens, and every reply is primed with 3.
    public func chatPromptTokens(_ messages: [ChatMessageTokens]) -> Int {
        3
            + messages.reduce(0) { total, message in
                total + 3 + count(message.role) + count(message.content) + (message.name.map { count($0) + 1 } ?? 0)
            }
    }
}

import PromptmillTokenizer

/// How the simulator counts tokens for usage and limits.
public struct SimulatorTokenCounter: Sendable {
    /// Tokens of a text for a model.
    public var count: @Sendable (_ text: String, _ model: String) -> Int
    /// Tokens of a chat prompt: OpenAI's rule, 3 per message plus role, content and name
    /// (+1 for a name), and 3 to prime the reply.
    public var chat: @Sendable (_ messages: [(role: String, content: String, name: String?)], _ model: String) -> Int

    public init(
        count: @escaping @Sendable (String, String) -> Int,
        chat: (@Sendable ([(role: String, content: String, name: String?)], String) -> Int)? = nil
    ) {
        self.count = count
        self.chat =
            chat ?? { messages, model in
                3
                    + messages.reduce(0) { total, message in
                        total + 3 + count(message.role, model) + count(message.content, model) + (message.name.map { count($0, model) + 1 } ?? 0)
                    }
            }
    }

    /// About four bytes a token: for when the exact tokenizer is not wanted.
    public static let approximate = SimulatorTokenCounter(count: { text, _ in text.isEmpty ? 0 : max(1, (text.utf8.count + 3) / 4) })
}

extension SimulatorTokenCounter {
    /// OpenAI's own counts: the model's BPE encoding (o200k_base for models with none
    /// known), and the chat rule on top.
    public static let exact = SimulatorTokenCounter(
        count: { text, model in
            guard let tokenizer = try? Tokenizer.shared(TokenEncoding.forModel(model) ?? .o200k_base) else {
                return approximate.count(text, model)
            }
            return tokenizer.count(text)
        },
        chat: { messages, model in
            guard let tokenizer = try? Tokenizer.shared(TokenEncoding.forModel(model) ?? .o200k_base) else {
                return approximate.chat(messages, model)
            }
            return tokenizer.chatPromptTokens(messages.map { ChatMessageTokens(role: $0.role, content: $0.content, name: $0.name) })
        })
}

import PromptmillTokenizer

extension PackedRequest {
    /// The prompt tokens of the one request that packs `rows`, counted whole by the framing
    /// rule, as `body` builds it: responses' instructions and the packing instruction as the
    /// first `developer` message (chat: the instruction as a `system` message after the fixed
    /// messages), the template's fixed messages, then the items as one `user` message.
    ///
    /// A run reserves each row's share (`promptTokens`); counted whole, the items' JSON and
    /// the overhead merge into the tokens the API sees, and a last pack that is not full
    /// carries all of the overhead.
    static func requestPromptTokens(_ rows: [PreparedRow], configuration: PipelineConfiguration, tokenizer: Tokenizer) -> Int {
        let chat = configuration.endpoint == .chat
        var messages: [ChatMessageTokens] = []
        if !chat {
            messages.append(ChatMessageTokens(role: "developer", content: (rows.first?.instructions.map { $0 + "\n\n" } ?? "") + instruction))
        }
        let fixed = fixedMessages(rows.first, template: configuration.template)
        for message in fixed.before + fixed.after {
            // The Responses API's input items carry no name.
            messages.append(ChatMessageTokens(role: message.role, content: message.content, name: chat ? message.name : nil))
        }
        if chat { messages.append(ChatMessageTokens(role: "system", content: instruction)) }
        messages.append(ChatMessageTokens(role: "user", content: items(rows, template: configuration.template)))
        return tokenizer.chatPromptTokens(messages)
    }
}

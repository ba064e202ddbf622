import PromptmillTokenizer

/// Builds request bodies for each endpoint, and the per-row facts the runner needs of a
/// request: the row's cache key and its exact prompt tokens.
enum APIRequest {
    /// The body for `rows` (one for chat, up to the batch size for the others): the model,
    /// the rows' content, the end user's hashed id when the pipeline names one, then the
    /// pipeline's params as they are.
    static func body(_ configuration: PipelineConfiguration, rows: [PreparedRow]) -> [UInt8] {
        var writer = JSONWriter(capacity: rows.reduce(256) { $0 + $1.prompt.utf8.count + 8 })
        writer.raw("{")
        writer.key("model")
        writer.string(configuration.model)
        writer.raw(",")
        switch configuration.endpoint {
        case .chat:
            writer.key("messages")
            writer.value(.array((rows.first?.messages ?? []).map(\.json)))
        case .completions, .embeddings, .moderations:
            // An array even for one, so the answer's indices always follow the same rule.
            writer.key(configuration.endpoint == .completions ? "prompt" : "input")
            writer.raw("[")
            for (index, row) in rows.enumerated() {
                if index > 0 { writer.raw(",") }
                writer.string(row.prompt)
            }
            writer.raw("]")
        }
        if let user = rows.first?.user, configuration.endpoint != .moderations {
            writer.raw(",")
            writer.key("user")
            writer.string(user)
        }
        for index in 0..<configuration.params.count {
            writer.raw(",")
            writer.key(configuration.params.keys[index])
            writer.value(configuration.params.values[index])
        }
        writer.raw("}")
        return writer.bytes
    }

    /// Completions per prompt: `n`, default 1.
    static func choicesPerPrompt(_ params: JSONObject) -> Int {
        if case .number(let text)? = params["n"], let n = Int(text), n > 0 { return n }
        return 1
    }

    /// The row's prompt tokens as the API counts them: chat by OpenAI's per-message rule.
    static func promptTokens(_ row: PreparedRow, tokenizer: Tokenizer) -> Int {
        if let messages = row.messages {
            return tokenizer.chatPromptTokens(messages.map { ChatMessageTokens(role: $0.role, content: $0.content, name: $0.name) })
        }
        return tokenizer.count(row.prompt)
    }

    /// The row's key in the response cache.
    static func cacheKey(_ row: PreparedRow, keyer: inout ResponseCacheKeyer) -> ResponseCacheKey {
        if let messages = row.messages { return keyer.key(content: .array(messages.map(\.json))) }
        return keyer.key(prompt: row.prompt)
    }
}

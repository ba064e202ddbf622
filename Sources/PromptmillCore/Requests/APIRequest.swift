import PromptmillTokenizer

/// Builds request bodies for each endpoint, and the per-row facts the runner needs of a
/// request: the row's cache key and its exact prompt tokens.
enum APIRequest {
    /// The body for `rows` (one for chat, up to the batch size for the others): the model,
    /// the rows' content, the end user's hashed id when the pipeline names one, then the
    /// pipeline's params as they are.
    static func body(_ configuration: PipelineConfiguration, rows: [PreparedRow]) -> [UInt8] {
        if configuration.pack > 1 { return PackedRequest.body(configuration, rows: rows) }
        var writer = JSONWriter(capacity: rows.reduce(256) { $0 + $1.prompt.utf8.count + 8 })
        writer.raw("{")
        writer.key("model")
        writer.string(configuration.model)
        writer.raw(",")
        switch configuration.endpoint {
        case .chat:
            writer.key("messages")
            writer.value(.array((rows.first?.messages ?? []).map(\.json)))
        case .responses:
            // The fixed parts first (instructions, then the template's messages in order), so
            // the prompt cache can serve every row's common prefix.
            if let instructions = rows.first?.instructions {
                writer.key("instructions")
                writer.string(instructions)
                writer.raw(",")
            }
            writer.key("input")
            if let messages = rows.first?.messages {
                writer.value(.array(messages.map(\.inputItem)))
            } else {
                writer.string(rows.first?.prompt ?? "")
            }
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
            // The Responses API's name for the end user's (hashed) id; `user` is deprecated.
            writer.key(configuration.endpoint == .responses ? "safety_identifier" : "user")
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

    /// The row's prompt tokens as the API counts them: chat by OpenAI's per-message rule;
    /// responses by the same rule, a rule rather than a measurement (OpenAI publishes none for
    /// responses): `instructions` as a first `developer` message and a string input as one
    /// `user` message.
    static func promptTokens(_ row: PreparedRow, tokenizer: Tokenizer, endpoint: Endpoint) -> Int {
        if endpoint == .responses {
            var messages: [ChatMessageTokens] = []
            if let instructions = row.instructions { messages.append(ChatMessageTokens(role: "developer", content: instructions, name: nil)) }
            if let rowMessages = row.messages {
                messages += rowMessages.map { ChatMessageTokens(role: $0.role, content: $0.content, name: nil) }
            } else {
                messages.append(ChatMessageTokens(role: "user", content: row.prompt, name: nil))
            }
            return tokenizer.chatPromptTokens(messages)
        }
        if let messages = row.messages {
            return tokenizer.chatPromptTokens(messages.map { ChatMessageTokens(role: $0.role, content: $0.content, name: $0.name) })
        }
        return tokenizer.count(row.prompt)
    }

    /// The row's key in the response cache: its content, with responses' instructions.
    static func cacheKey(_ row: PreparedRow, keyer: inout ResponseCacheKeyer) -> ResponseCacheKey {
        if let instructions = row.instructions {
            let input: JSONValue = row.messages.map { .array($0.map(\.json)) } ?? .string(row.prompt)
            return keyer.key(content: .object(JSONObject(keys: ["instructions", "input"], values: [.string(instructions), input])))
        }
        if let messages = row.messages { return keyer.key(content: .array(messages.map(\.json))) }
        return keyer.key(prompt: row.prompt)
    }
}

/// Builds the body of a `/v1/completions` request carrying several prompts.
enum CompletionsRequest {
    /// `{"model": ..., "prompt": [...], ...params}`: the prompts as an array (even for one,
    /// so the answer's indices always follow the same rule), then the pipeline's params as
    /// they are.
    static func body(model: String, prompts: [String], params: JSONObject) -> [UInt8] {
        var writer = JSONWriter(capacity: prompts.reduce(256) { $0 + $1.utf8.count + 8 })
        writer.raw("{")
        writer.key("model")
        writer.string(model)
        writer.raw(",")
        writer.key("prompt")
        writer.raw("[")
        for (index, prompt) in prompts.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.string(prompt)
        }
        writer.raw("]")
        for index in 0..<params.count {
            writer.raw(",")
            writer.key(params.keys[index])
            writer.value(params.values[index])
        }
        writer.raw("}")
        return writer.bytes
    }

    /// Completions per prompt: `n`, default 1.
    static func choicesPerPrompt(_ params: JSONObject) -> Int {
        if case .number(let text)? = params["n"], let n = Int(text), n > 0 { return n }
        return 1
    }
}

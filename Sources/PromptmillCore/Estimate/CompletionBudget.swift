/// How many completion tokens a prompt may cost, as OpenAI reserves them.
enum CompletionBudget {
    /// `max_completion_tokens` (or `max_tokens`); OpenAI's default for completions is 16.
    /// A chat or responses request without a limit may use the model's whole output window
    /// (4,096 when the table does not say): what a budget must reserve. Embeddings and
    /// moderations generate nothing.
    static func maxTokens(_ params: JSONObject, endpoint: Endpoint, model: String? = nil) -> Int {
        switch endpoint {
        case .embeddings, .moderations: return 0
        case .completions, .chat, .responses: break
        }
        if let cap = cap(params, endpoint: endpoint) { return cap }
        if endpoint == .completions { return 16 }
        let info = model.flatMap { try? ModelCatalog.shared().info(for: $0) }
        return info?.maxOutputTokens ?? 4096
    }

    /// The output limit the pipeline sets (`max_output_tokens` for responses,
    /// `max_completion_tokens` or `max_tokens` for the others); nil when it sets none.
    static func cap(_ params: JSONObject, endpoint: Endpoint) -> Int? {
        for key in endpoint == .responses ? ["max_output_tokens"] : ["max_completion_tokens", "max_tokens"] {
            if case .number(let text)? = params[key], let value = Int(text) { return value }
        }
        return nil
    }

    /// The parameter that bounds an answer: `max_output_tokens` for responses,
    /// `max_completion_tokens` for chat (it counts reasoning tokens; `max_tokens` does not
    /// apply to reasoning models), `max_tokens` for completions.
    static func capParameter(_ endpoint: Endpoint) -> String {
        switch endpoint {
        case .responses: "max_output_tokens"
        case .chat: "max_completion_tokens"
        case .completions, .embeddings, .moderations: "max_tokens"
        }
    }

    /// The most completion tokens one prompt may cost: `max_tokens` × max(n, best_of). A
    /// packed row's share of the model's output window at most: a packed request asks for
    /// this times its rows (`PackedRequest.body`), which stays within the window.
    static func perPrompt(_ configuration: PipelineConfiguration) -> Int {
        let tokens = maxTokens(configuration.params, endpoint: configuration.endpoint, model: configuration.model)
        guard configuration.pack > 1 else { return tokens * choices(configuration.params) }
        let window = (try? ModelCatalog.shared().info(for: configuration.model))?.maxOutputTokens ?? 4096
        return max(1, min(tokens, window / configuration.pack))
    }

    /// max(n, best_of), at least 1.
    static func choices(_ params: JSONObject) -> Int {
        var choices = 1
        for key in ["n", "best_of"] {
            if case .number(let text)? = params[key], let value = Int(text) { choices = max(choices, value) }
        }
        return choices
    }
}

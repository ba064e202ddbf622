/// How many completion tokens a prompt may cost, as OpenAI reserves them.
enum CompletionBudget {
    /// `max_tokens` (or `max_completion_tokens`); OpenAI's default for completions is 16.
    static func maxTokens(_ params: JSONObject, endpoint: Endpoint) -> Int {
        for key in ["max_tokens", "max_completion_tokens"] {
            if case .number(let text)? = params[key], let value = Int(text) { return value }
        }
        return endpoint == .completions ? 16 : 0
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

/// A `/v1/completions` answer mapped back onto the prompts that were sent.
struct CompletionsResponse: Sendable {
    struct Choice: Sendable, Equatable {
        var text: String
        var finishReason: String?
    }

    /// `choices[i]` holds prompt i's `n` completions in order.
    var choices: [[Choice]]
    /// nil when the server sent none (some OpenAI-compatible servers leave it out).
    var usage: TokenUsage?

    /// Maps choices by `index` (prompt i's j-th completion is `i*n+j`), never by position.
    /// An answer whose choices do not cover every prompt exactly is refused: a wrong record
    /// is worse than a retry.
    static func parse(_ body: [UInt8], promptCount: Int, choicesPerPrompt n: Int) throws(ResponseError) -> CompletionsResponse {
        let object = try APIResponse.object(body)
        guard case .array(let rawChoices)? = object["choices"] else { throw .malformed("the body has no choices array") }
        guard !rawChoices.isEmpty else { throw .empty("the answer's choices array is empty") }
        var slots = [Choice?](repeating: nil, count: promptCount * n)
        for raw in rawChoices {
            guard case .object(let choice) = raw,
                case .number(let indexText)? = choice["index"], let index = Int(indexText)
            else {
                throw .malformed("a choice has no integer index")
            }
            guard slots.indices.contains(index) else {
                throw .choicesMismatch("choice index \(index) is outside the \(promptCount) prompts × \(n) completions sent")
            }
            guard slots[index] == nil else { throw .choicesMismatch("choice index \(index) appears twice") }
            var finishReason: String?
            if case .string(let reason)? = choice["finish_reason"] { finishReason = reason }
            let text: String
            switch choice["text"] {
            case .string(let value)?: text = value
            // A filtered choice may come without text (Azure OpenAI): the row's failure.
            case .null?,
                nil where finishReason == "content_filter":
                text = ""
            default: throw .malformed("choice \(index) has no text")
            }
            slots[index] = Choice(text: text, finishReason: finishReason)
        }
        if let missing = slots.firstIndex(where: { $0 == nil }) {
            throw .choicesMismatch("\(rawChoices.count) choices for \(promptCount * n) expected; index \(missing) is missing")
        }
        let filled = slots.map { $0! }
        let grouped = (0..<promptCount).map { Array(filled[($0 * n)..<(($0 + 1) * n)]) }
        return CompletionsResponse(choices: grouped, usage: Self.usage(object))
    }

    /// The most tokens one request's usage may report and be believed: beyond any model's
    /// window, and small enough that every sum and cost stays exact.
    static let believableTokens = 100_000_000

    /// `usage` as OpenAI reports it; nil when the body has no `usage.prompt_tokens` (or it
    /// is null, not a whole number, negative, or beyond `believableTokens`), so that
    /// promptmill counts the tokens itself. `names` are the endpoint's words for the parts:
    /// chat's and completions' `prompt`/`completion`, responses' `input`/`output`.
    static func usage(_ object: JSONObject, names: (prompt: String, completion: String) = ("prompt", "completion")) -> TokenUsage? {
        guard case .object(let usage)? = object["usage"],
            case .number(let prompt)? = usage[names.prompt + "_tokens"], let promptTokens = Int(prompt),
            (0...believableTokens).contains(promptTokens)
        else {
            return nil
        }
        var completionTokens = 0
        if case .number(let completion)? = usage[names.completion + "_tokens"], let value = Int(completion) {
            guard (0...believableTokens).contains(value) else { return nil }
            completionTokens = value
        }
        /// A detail is a part of its total: one out of range is ignored, not believed.
        func detail(_ details: String, _ key: String, within total: Int) -> Int {
            guard case .object(let fields)? = usage[details], case .number(let text)? = fields[key], let value = Int(text),
                (0...total).contains(value)
            else { return 0 }
            return value
        }
        // Prompt tokens served from OpenAI's prompt cache are billed at the cached price.
        let cached = detail(names.prompt + "_tokens_details", "cached_tokens", within: promptTokens)
        let written = detail(names.prompt + "_tokens_details", "cache_write_tokens", within: promptTokens - cached)
        let reasoning = detail(names.completion + "_tokens_details", "reasoning_tokens", within: completionTokens)
        return TokenUsage(
            promptTokens: promptTokens, completionTokens: completionTokens, cachedPromptTokens: cached, cacheWriteTokens: written,
            reasoningTokens: reasoning)
    }
}

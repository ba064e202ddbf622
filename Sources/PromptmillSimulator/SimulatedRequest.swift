import PromptmillCore

/// A checked request to one endpoint, ready to be answered.
struct SimulatedRequest: Sendable {
    let endpoint: Endpoint
    let model: String
    let object: JSONObject
    /// completions: the prompts; chat: the last user message; responses: the last user
    /// message (a string input is one); embeddings/moderations: the inputs.
    let texts: [String]
    /// Token-array inputs count their length, not their text.
    let tokenArrayLengths: [Int?]
    let promptTokens: [Int]
    let chatMessages: [(role: String, content: String, name: String?)]
    let maxTokens: Int?
    let choices: Int
    let generated: Int
    let stops: [String]
    /// chat and responses: the answer format asked for.
    var format = ResponseFormat.text

    /// The tier that answers it, as the answer's `service_tier` says: `flex` and `priority`
    /// when asked for, otherwise (`auto`, `default`, none) `default`.
    var serviceTier: String {
        switch object["service_tier"] {
        case .string("flex")?: "flex"
        case .string("priority")?: "priority"
        default: "default"
        }
    }

    /// What the request costs against tokens-per-minute, as OpenAI reckons it.
    var rateLimitCost: Int {
        let prompt = promptTokens.reduce(0, +)
        switch endpoint {
        case .completions: return prompt + (maxTokens ?? 16) * generated * texts.count
        case .chat: return prompt + (maxTokens ?? 0) * generated
        case .responses: return prompt + (maxTokens ?? 0)
        case .embeddings, .moderations: return prompt
        }
    }

    static func parse(endpoint: Endpoint, body: [UInt8], engine: SimulatorEngine) -> Result<SimulatedRequest, SimulatorReply> {
        guard case .object(let object)? = try? body.withUnsafeBytes({ try JSONParser.parse($0) }) else {
            return .failure(
                .error(
                    400,
                    message:
                        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
                    type: "invalid_request_error", code: nil))
        }
        let allowed = RequestParameters.allowed[endpoint] ?? []
        if let unknown = object.keys.first(where: { !allowed.contains($0) }) {
            return .failure(.error(400, message: "Unrecognized request argument supplied: \(unknown)", type: "invalid_request_error", code: nil))
        }
        if let problem = RequestParameters.typeProblem(in: object) { return .failure(problem) }
        guard case .string(let model)? = object["model"] else {
            return .failure(.error(400, message: "you must provide a model parameter", type: "invalid_request_error", code: nil))
        }
        guard
            SimulatorEngine.listedModels.contains(model) || engine.configuration.extraModels.contains(model)
                || engine.catalog?.info(for: model) != nil
        else {
            return .failure(
                .error(
                    404, message: "The model `\(model)` does not exist or you do not have access to it.",
                    type: "invalid_request_error", code: "model_not_found"))
        }
        let count = { (text: String) in engine.counter.count(text, model) }
        let n = RequestParameters.integer(object["n"]) ?? 1
        let bestOf = RequestParameters.integer(object["best_of"]) ?? n
        let maxTokens =
            RequestParameters.integer(object["max_completion_tokens"]) ?? RequestParameters.integer(object["max_tokens"])
            ?? RequestParameters.integer(object["max_output_tokens"])
        var stops: [String] = []
        if case .string(let stop)? = object["stop"] { stops = [stop] }
        if case .array(let list)? = object["stop"] { stops = list.compactMap { if case .string(let s) = $0 { s } else { nil } } }

        var texts: [String] = []
        var lengths: [Int?] = []
        var messages: [(role: String, content: String, name: String?)] = []
        switch endpoint {
        case .completions, .embeddings, .moderations:
            let key = endpoint == .completions ? "prompt" : "input"
            switch inputs(object[key]) {
            case .failure(let problem):
                return .failure(
                    .error(400, message: "Invalid '\(key)': \(problem.reason)", type: "invalid_request_error", code: "invalid_type", param: key))
            case .success(let parsed):
                texts = parsed.map(\.text)
                lengths = parsed.map(\.tokens)
            }
        case .chat:
            guard case .array(let list)? = object["messages"], !list.isEmpty else {
                return .failure(
                    .error(
                        400, message: "Missing required parameter: 'messages'.", type: "invalid_request_error", code: "missing_required_parameter",
                        param: "messages"))
            }
            for (index, item) in list.enumerated() {
                guard case .object(let message) = item, case .string(let role)? = message["role"] else {
                    return .failure(
                        .error(
                            400, message: "Missing required parameter: 'messages[\(index)].role'.", type: "invalid_request_error",
                            code: "missing_required_parameter", param: "messages[\(index)].role"))
                }
                var content = ""
                switch message["content"] {
                case .string(let text)?: content = text
                case .array(let parts)?:
                    content = parts.compactMap { part -> String? in
                        if case .object(let fields) = part, case .string(let text)? = fields["text"] { return text }
                        return nil
                    }.joined()
                default: break
                }
                var name: String?
                if case .string(let value)? = message["name"] { name = value }
                messages.append((role, content, name))
            }
            texts = [messages.last(where: { $0.role == "user" })?.content ?? messages.last?.content ?? ""]
            lengths = [nil]
        case .responses:
            if let limit = RequestParameters.integer(object["max_output_tokens"]), limit < 16 {
                return .failure(
                    .error(
                        400, message: "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16, but got \(limit) instead.",
                        type: "invalid_request_error", code: "integer_below_min_value", param: "max_output_tokens"))
            }
            switch responsesMessages(object) {
            case .failure(let reply): return .failure(reply)
            case .success(let parsed): messages = parsed
            }
            texts = [messages.last(where: { $0.role == "user" })?.content ?? messages.last?.content ?? ""]
            lengths = [nil]
        }
        var promptTokens = zip(texts, lengths).map { $1 ?? count($0) }
        if endpoint == .chat || endpoint == .responses { promptTokens = [engine.counter.chat(messages, model)] }
        if endpoint == .embeddings {
            // OpenAI's limits: 2,048 inputs, 8,192 tokens an input, 300,000 tokens a request.
            if texts.count > 2048 {
                return .failure(
                    .error(
                        400, message: "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
                        type: "invalid_request_error", code: nil, param: "input"))
            }
            if let longest = promptTokens.max(), longest > 8192 {
                return .failure(
                    .error(
                        400,
                        message:
                            "This model's maximum context length is 8192 tokens, however you requested \(longest) tokens (\(longest) in your prompt; 0 for the completion). Please reduce your prompt; or completion length.",
                        type: "invalid_request_error", code: nil, param: "input"))
            }
            let total = promptTokens.reduce(0, +)
            if total > 300_000 {
                return .failure(
                    .error(
                        400, message: "Requested \(total) tokens, max 300000 tokens per request",
                        type: "max_tokens_per_request", code: "max_tokens_per_request", param: nil))
            }
        }
        if endpoint == .completions, let window = engine.catalog?.info(for: model)?.contextWindow {
            let completion = maxTokens ?? 16
            if let longest = promptTokens.max(), longest + completion > window {
                return .failure(
                    .error(
                        400,
                        message:
                            "This model's maximum context length is \(window) tokens, however you requested \(longest + completion) tokens (\(longest) in your prompt; \(completion) for the completion). Please reduce your prompt; or completion length.",
                        type: "invalid_request_error", code: "context_length_exceeded", param: "prompt"))
            }
        }
        var request = SimulatedRequest(
            endpoint: endpoint, model: model, object: object, texts: texts, tokenArrayLengths: lengths,
            promptTokens: promptTokens, chatMessages: messages, maxTokens: maxTokens, choices: n,
            generated: max(n, bestOf), stops: stops)
        if endpoint == .chat || endpoint == .responses {
            switch endpoint == .chat ? ResponseFormat.chat(object) : ResponseFormat.responses(object) {
            case .failure(let reply): return .failure(reply)
            case .success(let format): request.format = format
            }
        }
        return .success(request)
    }

    /// A prompt or input: a string, a list of strings, a list of token ids, or a list of such lists.
    private static func inputs(_ value: JSONValue?) -> Result<[(text: String, tokens: Int?)], InvalidInput> {
        switch value {
        case .string(let text)?: return .success([(text, nil)])
        case .array(let items)? where !items.isEmpty:
            if items.allSatisfy({ if case .number = $0 { true } else { false } }) {
                return .success([(String(repeating: "x", count: items.count), items.count)])
            }
            var parsed: [(text: String, tokens: Int?)] = []
            for item in items {
                switch item {
                case .string(let text): parsed.append((text, nil))
                case .array(let ids) where ids.allSatisfy({ if case .number = $0 { true } else { false } }):
                    parsed.append((String(repeating: "x", count: ids.count), ids.count))
                default: return .failure(InvalidInput(reason: "expected a string or an array of strings or of token arrays"))
                }
            }
            return .success(parsed)
        case nil: return .failure(InvalidInput(reason: "this parameter is required"))
        default: return .failure(InvalidInput(reason: "expected a string or a non-empty array"))
        }
    }
}

import PromptmillCore

/// The parameters OpenAI's API reference defines for each endpoint, and their types: the
/// simulator refuses anything else, so tests prove promptmill sends only real parameters.
enum RequestParameters {
    static let allowed: [Endpoint: Set<String>] = [
        .completions: [
            "model", "prompt", "best_of", "echo", "frequency_penalty", "logit_bias", "logprobs", "max_tokens", "n",
            "presence_penalty", "seed", "stop", "stream", "stream_options", "suffix", "temperature", "top_p", "user",
        ],
        .chat: [
            "model", "messages", "audio", "frequency_penalty", "function_call", "functions", "logit_bias", "logprobs",
            "max_completion_tokens", "max_tokens", "metadata", "modalities", "n", "parallel_tool_calls", "prediction",
            "presence_penalty", "prompt_cache_key", "reasoning_effort", "response_format", "safety_identifier", "seed",
            "service_tier", "stop", "store", "stream", "stream_options", "temperature", "tool_choice", "tools",
            "top_logprobs", "top_p", "user", "verbosity", "web_search_options",
        ],
        .embeddings: ["model", "input", "dimensions", "encoding_format", "user"],
        .moderations: ["model", "input"],
        .responses: [
            "model", "input", "background", "conversation", "include", "instructions", "max_output_tokens", "max_tool_calls",
            "metadata", "parallel_tool_calls", "previous_response_id", "prompt", "prompt_cache_key", "prompt_cache_retention",
            "reasoning", "safety_identifier", "service_tier", "store", "stream", "stream_options", "temperature", "text",
            "tool_choice", "tools", "top_logprobs", "top_p", "truncation", "user",
        ],
    ]

    static let integers: Set<String> = [
        "n", "best_of", "max_tokens", "max_completion_tokens", "max_output_tokens", "max_tool_calls", "logprobs", "seed", "dimensions",
        "top_logprobs",
    ]
    static let numbers: Set<String> = ["temperature", "top_p", "frequency_penalty", "presence_penalty"]
    static let booleans: Set<String> = ["echo", "stream", "store", "parallel_tool_calls", "background"]
    static let strings: Set<String> = [
        "model", "suffix", "user", "encoding_format", "reasoning_effort", "service_tier", "verbosity",
        "prompt_cache_key", "safety_identifier", "instructions", "previous_response_id", "truncation", "prompt_cache_retention",
    ]

    static func integer(_ value: JSONValue?) -> Int? {
        if case .number(let text)? = value { return Int(text) }
        return nil
    }

    /// OpenAI's answer to a parameter of the wrong type, if any.
    static func typeProblem(in object: JSONObject) -> SimulatorReply? {
        for (key, value) in zip(object.keys, object.values) {
            let expected: String?
            switch value {
            case .number(let text):
                if integers.contains(key), Int(text) == nil {
                    expected = "an integer"
                } else if booleans.contains(key) || strings.contains(key) {
                    expected = booleans.contains(key) ? "a boolean" : "a string"
                } else {
                    expected = nil
                }
            case .string:
                expected = integers.contains(key) ? "an integer" : numbers.contains(key) ? "a number" : booleans.contains(key) ? "a boolean" : nil
            case .bool:
                expected = integers.contains(key) ? "an integer" : numbers.contains(key) ? "a number" : strings.contains(key) ? "a string" : nil
            case .array, .object, .null:
                expected = integers.contains(key) ? "an integer" : numbers.contains(key) ? "a number" : strings.contains(key) ? "a string" : nil
            }
            if let expected {
                return .error(
                    400, message: "Invalid type for '\(key)': expected \(expected), but got another type instead.",
                    type: "invalid_request_error", code: "invalid_type", param: key)
            }
        }
        if let n = integer(object["n"]), n < 1 || n > 128 {
            return .error(
                400, message: "\(n) is not valid for 'n': it must be between 1 and 128.", type: "invalid_request_error", code: "integer_out_of_range",
                param: "n")
        }
        if case .array(let stops)? = object["stop"], stops.count > 4 {
            return .error(
                400, message: "Invalid 'stop': array too long. Expected an array with maximum length 4.", type: "invalid_request_error",
                code: "array_above_max_length", param: "stop")
        }
        return nil
    }
}

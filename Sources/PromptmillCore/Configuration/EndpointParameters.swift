/// The request parameters OpenAI's API reference defines for each endpoint, less the ones
/// promptmill fills in itself (`model`, `prompt`, `messages`, `input`).
enum EndpointParameters {
    static func allowed(for endpoint: Endpoint) -> [String] {
        switch endpoint {
        case .completions:
            [
                "best_of", "echo", "frequency_penalty", "logit_bias", "logprobs", "max_tokens", "n",
                "presence_penalty", "seed", "stop", "suffix", "temperature", "top_p", "user",
            ]
        case .chat:
            [
                "audio", "frequency_penalty", "logit_bias", "logprobs", "max_completion_tokens", "max_tokens",
                "metadata", "modalities", "n", "parallel_tool_calls", "prediction", "presence_penalty",
                "prompt_cache_key", "reasoning_effort", "response_format", "safety_identifier", "seed",
                "service_tier", "stop", "store", "temperature", "tool_choice", "tools", "top_logprobs", "top_p",
                "user", "verbosity", "web_search_options",
            ]
        case .embeddings:
            ["dimensions", "encoding_format", "user"]
        case .moderations:
            []
        }
    }

    /// Parameters promptmill sets from the pipeline itself.
    static let setByPromptmill = ["model", "prompt", "messages", "input"]
    /// Parameters that change the shape of the answer into something promptmill does not read.
    static let unsupported = [
        "stream": "promptmill reads whole answers; remove params.stream",
        "stream_options": "promptmill reads whole answers; remove params.stream_options",
    ]
}

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
        case .responses:
            // platform.openai.com/docs/api-reference/responses/create
            [
                "conversation", "include", "max_output_tokens", "max_tool_calls", "metadata", "parallel_tool_calls",
                "previous_response_id", "prompt_cache_key", "prompt_cache_retention", "reasoning", "safety_identifier",
                "service_tier", "store", "temperature", "text", "tool_choice", "tools", "top_logprobs", "top_p", "truncation",
                "user",
            ]
        }
    }

    /// Parameters promptmill sets from the pipeline itself.
    static let setByPromptmill = ["model", "prompt", "messages", "input", "instructions"]
    /// Parameters that change the shape of the answer into something promptmill does not read.
    static let unsupported = [
        "stream": "promptmill reads whole answers; remove params.stream",
        "stream_options": "promptmill reads whole answers; remove params.stream_options",
        "background":
            "promptmill waits for each answer itself (and `mode: batch` runs rows in the background at half price); remove params.background",
    ]
}

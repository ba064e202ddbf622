/// Why `estimate --check` could not compare its counts with the API's.
public enum TokenCountCheckError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The step checked is not a responses step: the API counts other endpoints' input only
    /// by sending them. `step`: the first step's name, for a multi-step pipeline.
    case notResponses(endpoint: String, step: String? = nil)
    /// The request got no whole answer.
    case transport(url: String, TransportError)
    /// The server answered with another status: the status and (the start of) the body.
    case status(url: String, status: Int, body: String)
    /// A 200 whose body has no `input_tokens` count.
    case unreadable(url: String, body: String)

    public var description: String {
        switch self {
        case .notResponses(let endpoint, let step):
            "--check is for endpoint responses only: OpenAI counts input tokens free of charge (POST /v1/responses/input_tokens) only for the Responses API, and "
                + (step.map { "the pipeline's first step, \($0), has endpoint \(endpoint) (--check counts the first step)" }
                    ?? "the pipeline's endpoint is \(endpoint)") + " — run estimate without --check"
        case .transport(let url, let error):
            "POST \(url) failed: \(error) — check the base URL (--base-url, base_url or OPENAI_BASE_URL) and the network"
        case .status(let url, let status, let body):
            "POST \(url) answered HTTP \(status): \(body)" + Self.hint(status)
        case .unreadable(let url, let body):
            "POST \(url) answered HTTP 200 without an input_tokens count: \(body) — is the base URL an OpenAI-compatible server that counts responses input?"
        }
    }

    private static func hint(_ status: Int) -> String {
        switch status {
        case 401: " — check OPENAI_API_KEY"
        case 403: " — the key may not use this model or endpoint; check OPENAI_ORG_ID and OPENAI_PROJECT_ID"
        case 404: " — the server may not count responses input (POST /responses/input_tokens); check the base URL"
        case 429: " — wait a minute and check again, or check fewer rows"
        default: ""
        }
    }

    /// The start of a body for a message: one line, at most 500 characters.
    static func excerpt(_ body: [UInt8]) -> String {
        let text = String(decoding: body, as: UTF8.self).split(whereSeparator: \.isNewline).joined(separator: " ")
        if text.isEmpty { return "(empty body)" }
        return text.count > 500 ? String(text.prefix(500)) + "…" : text
    }
}

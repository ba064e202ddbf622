/// OpenAI's error body, `{"error": {"message", "type", "param", "code"}}`: decisions read
/// `type` and `code`, never the message text.
public struct APIErrorBody: Sendable, Equatable {
    public var message: String
    public var type: String?
    public var code: String?
    public var param: String?

    public init(message: String, type: String?, code: String?, param: String?) {
        self.message = message
        self.type = type
        self.code = code
        self.param = param
    }

    /// Parses the body; when it is not OpenAI's shape, the first bytes of it become the message.
    public static func parse(_ body: [UInt8], status: Int) -> APIErrorBody {
        if let root = try? body.withUnsafeBytes({ bytes throws(JSONParseError) in try JSONParser.parse(bytes) }),
            case .object(let object) = root, case .object(let error)? = object["error"]
        {
            func text(_ key: String) -> String? {
                if case .string(let value)? = error[key] { return value }
                if case .number(let value)? = error[key] { return value }
                return nil
            }
            return APIErrorBody(message: text("message") ?? "HTTP \(status)", type: text("type"), code: text("code"), param: text("param"))
        }
        let snippet = String(decoding: body.prefix(200), as: UTF8.self)
        return APIErrorBody(
            message: snippet.isEmpty ? "HTTP \(status) with an empty body" : "HTTP \(status): \(snippet)",
            type: nil, code: nil, param: nil)
    }

    /// An error object in a 200 answer (some proxies and OpenAI-compatible servers answer
    /// so: OpenRouter puts the status in `error.code`), with the status it stands for: a
    /// numeric `error.code` or top-level `status` in 400...599, else by `error.type` /
    /// `error.code` (OpenAI's and Anthropic's names), else 500, a server error to retry.
    /// nil when the body is not an error object.
    public static func embedded(in body: [UInt8]) -> (status: Int, error: APIErrorBody)? {
        guard case .object(let object)? = try? body.withUnsafeBytes({ bytes throws(JSONParseError) in try JSONParser.parse(bytes) })
        else { return nil }
        let error: APIErrorBody
        switch object["error"] {
        case .object?: error = parse(body, status: 200)
        case .string(let message)?: error = APIErrorBody(message: message, type: nil, code: nil, param: nil)
        default: return nil
        }
        for candidate in [error.code, object["status"].flatMap(\.numberText), object["status_code"].flatMap(\.numberText)] {
            if let text = candidate, let status = Int(text), (400...599).contains(status) { return (status, error) }
        }
        let kind = error.code ?? error.type ?? ""
        let status =
            switch kind {
            case "rate_limit_exceeded", "rate_limit_error", "insufficient_quota", "requests", "tokens": 429
            case "invalid_request_error", "context_length_exceeded", "content_filter", "invalid_prompt": 400
            case "authentication_error", "invalid_api_key": 401
            case "permission_error", "permission_denied": 403
            case "not_found_error", "model_not_found": 404
            case "overloaded_error", "service_unavailable": 503
            default: RetryPolicy.accountCodes.contains(kind) ? 402 : 500
            }
        return (status, error)
    }
}

extension JSONValue {
    /// A number's text, or a string's (statuses come both ways).
    fileprivate var numberText: String? {
        switch self {
        case .number(let text), .string(let text): text
        default: nil
        }
    }
}

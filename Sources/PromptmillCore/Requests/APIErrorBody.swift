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
}

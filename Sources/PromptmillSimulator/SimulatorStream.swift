import PromptmillCore

/// A request that asked for `stream: true`: its 200 answer goes as server-sent events, its
/// head at once (as OpenAI sends a streamed answer's head before the first token) and its
/// events after the latency.
///
/// - Chat (platform.openai.com/docs/api-reference/chat-streaming): per choice a first
///   `chat.completion.chunk` with the role, the content in pieces of up to
///   `pieceCharacters` characters (or the refusal), and a last one with the finish reason;
///   with `stream_options.include_usage`, every chunk has `"usage": null` and a last chunk
///   with empty `choices` carries the usage; then `data: [DONE]`.
/// - Responses (platform.openai.com/docs/api-reference/responses-streaming):
///   `response.created`, the text's `response.output_text.delta` events, then
///   `response.completed` (or `response.incomplete`) with the whole response.
struct SimulatorStream: Sendable {
    let endpoint: Endpoint
    let includeUsage: Bool

    static let pieceCharacters = 8

    /// The stream a request asks for; nil when it asks for none, or on an endpoint the
    /// simulator answers whole anyway (completions, as a server that ignores `stream`).
    init?(_ request: SimulatedRequest) {
        guard request.object["stream"] == .bool(true), request.endpoint == .chat || request.endpoint == .responses else { return nil }
        endpoint = request.endpoint
        if case .object(let options)? = request.object["stream_options"], options["include_usage"] == .bool(true) {
            includeUsage = true
        } else {
            includeUsage = false
        }
    }

    /// The events for a whole answer's JSON body.
    func events(for body: [UInt8]) -> [UInt8] {
        guard case .object(let answer)? = try? body.withUnsafeBytes({ try JSONParser.parse($0) }) else { return body }
        var writer = JSONWriter()
        switch endpoint {
        case .responses: responses(answer, into: &writer)
        default: chat(answer, into: &writer)
        }
        return writer.bytes
    }

    private static func pieces(_ text: String) -> [String] {
        var pieces: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            pieces.append(String(rest.prefix(pieceCharacters)))
            rest = rest.dropFirst(pieceCharacters)
        }
        return pieces
    }

    private func chat(_ answer: JSONObject, into writer: inout JSONWriter) {
        var top = JSONObject()
        top.append("id", answer["id"] ?? .null)
        top.append("object", .string("chat.completion.chunk"))
        for key in ["created", "model", "service_tier", "system_fingerprint"] { top.append(key, answer[key] ?? .null) }
        func chunk(_ choices: [JSONValue], usage: JSONValue? = nil) {
            var object = top
            object.append("choices", .array(choices))
            if includeUsage { object.append("usage", usage ?? .null) }
            writer.raw("data: ")
            writer.value(.object(object))
            writer.raw("\n\n")
        }
        func choice(_ index: JSONValue, delta: JSONObject, finish: JSONValue = .null) -> JSONValue {
            .object(JSONObject(keys: ["index", "delta", "logprobs", "finish_reason"], values: [index, .object(delta), .null, finish]))
        }
        if case .array(let choices)? = answer["choices"] {
            for case .object(let whole) in choices {
                let index = whole["index"] ?? .number("0")
                guard case .object(let message)? = whole["message"] else { continue }
                chunk([choice(index, delta: JSONObject(keys: ["role", "content", "refusal"], values: [.string("assistant"), .string(""), .null]))])
                if case .string(let content)? = message["content"] {
                    for piece in Self.pieces(content) { chunk([choice(index, delta: JSONObject(keys: ["content"], values: [.string(piece)]))]) }
                }
                if case .string(let refusal)? = message["refusal"] {
                    for piece in Self.pieces(refusal) { chunk([choice(index, delta: JSONObject(keys: ["refusal"], values: [.string(piece)]))]) }
                }
                chunk([choice(index, delta: JSONObject(), finish: whole["finish_reason"] ?? .null)])
            }
        }
        if includeUsage { chunk([], usage: answer["usage"] ?? .null) }
        writer.raw("data: [DONE]\n\n")
    }

    private func responses(_ answer: JSONObject, into writer: inout JSONWriter) {
        var sequence = 0
        func event(_ type: String, _ fields: [(String, JSONValue)]) {
            var object = JSONObject(keys: ["type", "sequence_number"], values: [.string(type), .number(String(sequence))])
            for (key, value) in fields { object.append(key, value) }
            writer.raw("event: \(type)\ndata: ")
            writer.value(.object(object))
            writer.raw("\n\n")
            sequence += 1
        }
        var started = answer
        started.append("status", .string("in_progress"))
        started.append("output", .array([]))
        started.append("usage", .null)
        event("response.created", [("response", .object(started))])
        if case .array(let output)? = answer["output"] {
            for (position, item) in output.enumerated() {
                guard case .object(let message) = item, case .array(let parts)? = message["content"] else { continue }
                for (part, content) in parts.enumerated() {
                    guard case .object(let text) = content, case .string(let whole)? = text["text"] else { continue }
                    for piece in Self.pieces(whole) {
                        event(
                            "response.output_text.delta",
                            [
                                ("item_id", message["id"] ?? .null), ("output_index", .number(String(position))),
                                ("content_index", .number(String(part))), ("delta", .string(piece)),
                            ])
                    }
                }
            }
        }
        let last = answer["status"] == .string("incomplete") ? "response.incomplete" : "response.completed"
        event(last, [("response", .object(answer))])
    }
}

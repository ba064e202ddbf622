/// A streamed answer (`stream: true`, server-sent events) put back together as the whole
/// answer the same request gets unstreamed, so everything after the transport reads one
/// shape. A step streams only its first request (`HeadProbe`): a streamed answer's status
/// and `x-ratelimit-*` headers come before its first event, not after the whole answer, so
/// the step learns the account's limits a latency sooner.
///
/// - Chat (platform.openai.com/docs/api-reference/chat-streaming): `chat.completion.chunk`
///   events whose `choices[i].delta` carry the message in pieces (`role`, `content`,
///   `refusal`), the choice's `finish_reason` at its end, and, with
///   `stream_options.include_usage`, a last chunk with empty `choices` and the `usage`.
/// - Responses (platform.openai.com/docs/api-reference/responses-streaming): the
///   `response.completed` event (or `response.incomplete`, `response.failed`) holds the
///   whole response object.
///
/// An error event (`{"error": {...}}` in chat, `type: "error"` in responses) becomes that
/// error's body, as a 200 whose body is an error object. Events are read as the HTML
/// standard's event-stream format says (html.spec.whatwg.org, "server-sent events"): one
/// leading byte-order mark dropped, lines ended by CRLF, LF or CR, `field: value` (one space
/// after the colon dropped), `data` lines of one event joined by newlines, a blank line ends
/// an event, a line starting with `:` is a comment. Unlike a browser, a last event the body
/// ends without a blank line is kept: whether the answer is whole is the chunks' to say
/// (`[DONE]`, every choice's finish reason, the completed event).
enum StreamedAnswer {
    /// Whether a step's requests may stream: chat and responses with one choice, and none of
    /// the parameters whose streamed pieces promptmill does not put back together (tool
    /// calls, log probabilities, audio, predicted outputs).
    static func streamable(_ configuration: PipelineConfiguration) -> Bool {
        switch configuration.endpoint {
        case .chat:
            guard APIRequest.choicesPerPrompt(configuration.params) == 1 else { return false }
            // (A pipeline's own `stream`, `stream_options` and `background` never get here:
            // its check refuses them.)
            let unassembled = ["tools", "logprobs", "top_logprobs", "audio", "modalities", "prediction"]
            return !unassembled.contains { configuration.params[$0] != nil }
        case .responses:
            return true
        case .completions, .embeddings, .moderations:
            return false
        }
    }

    /// The step's configuration with the parameters that stream its answer.
    static func streaming(_ configuration: PipelineConfiguration) -> PipelineConfiguration {
        var streamed = configuration
        streamed.params.append("stream", .bool(true))
        if configuration.endpoint == .chat {
            streamed.params.append("stream_options", .object(JSONObject(keys: ["include_usage"], values: [.bool(true)])))
        }
        return streamed
    }

    /// Whether the answer is an event stream: its content type says so, or (a proxy that
    /// dropped or rewrote the type) its body starts as events do, with `data:`, `event:`,
    /// `id:`, `retry:` or a `:` comment. A server that ignores `stream` answers whole JSON.
    static func isEventStream(_ response: HTTPResponse) -> Bool {
        if response.header("content-type")?.lowercased().hasPrefix("text/event-stream") == true { return true }
        var body = response.body[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        body = body.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        return ["data:", "event:", "id:", "retry:", ":"].contains { body.starts(with: Array($0.utf8)) }
    }

    /// The whole answer's JSON body, or the error object an error event carried.
    ///
    /// - Throws: `ResponseError.malformed` when an event is not JSON, a chunk's shape is not
    ///   the endpoint's, or the stream ends before its last event.
    static func whole(_ body: [UInt8], endpoint: Endpoint) throws(ResponseError) -> [UInt8] {
        let events = Self.events(body)
        switch endpoint {
        case .responses: return try responses(events)
        default: return try chat(events)
        }
    }

    /// Each event's `event` name (nil when it has none) and `data`.
    static func events(_ body: [UInt8]) -> [(name: String?, data: String)] {
        var events: [(name: String?, data: String)] = []
        var name: String?
        var data: [Substring] = []
        var text = Substring(String(decoding: body, as: UTF8.self))
        if text.first == "\u{FEFF}" { text = text.dropFirst() }
        // CRLF, LF and CR all end a line in an event stream.
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            if line.isEmpty {
                if !data.isEmpty { events.append((name, data.joined(separator: "\n"))) }
                name = nil
                data = []
                continue
            }
            if line.hasPrefix(":") { continue }
            let field: Substring
            var value: Substring
            if let colon = line.firstIndex(of: ":") {
                field = line[..<colon]
                value = line[line.index(after: colon)...]
                if value.hasPrefix(" ") { value = value.dropFirst() }
            } else {
                field = line
                value = ""
            }
            switch field {
            case "event": name = String(value)
            case "data": data.append(value)
            default: continue
            }
        }
        if !data.isEmpty { events.append((name, data.joined(separator: "\n"))) }
        return events
    }

    private static func object(_ data: String) throws(ResponseError) -> JSONObject {
        let bytes = Array(data.utf8)
        guard case .object(let object)? = try? bytes.withUnsafeBytes({ raw throws(JSONParseError) in try JSONParser.parse(raw) }) else {
            throw .malformed("a streamed event is not a JSON object: \(data.prefix(200))")
        }
        return object
    }

    private static func written(_ object: JSONObject) -> [UInt8] {
        var writer = JSONWriter()
        writer.value(.object(object))
        return writer.bytes
    }

    /// One choice's pieces, in the order they came. `other`: the delta's other fields
    /// (`reasoning_content` of some compatible servers, `annotations`): text joined, any
    /// other value the last one sent.
    private struct Choice {
        var role: String?
        var content: String?
        var refusal: String?
        var other = JSONObject()
        var finish: JSONValue = .null
    }

    private static func chat(_ events: [(name: String?, data: String)]) throws(ResponseError) -> [UInt8] {
        var top = JSONObject()
        var choices: [Int: Choice] = [:]
        var usage: JSONValue = .null
        var done = false
        for event in events {
            if event.data == "[DONE]" {
                done = true
                break
            }
            let chunk = try object(event.data)
            switch chunk["error"] {
            case .object?, .string?: return written(chunk)
            default: break
            }
            for key in ["id", "created", "model", "service_tier", "system_fingerprint"] {
                if let value = chunk[key], value != .null { top.append(key, value) }
            }
            if case .object? = chunk["usage"] { usage = chunk["usage"]! }
            guard case .array(let pieces)? = chunk["choices"] else { continue }
            for case .object(let piece) in pieces {
                guard case .number(let indexText)? = piece["index"], let index = Int(indexText) else {
                    throw .malformed("a streamed choice has no integer index")
                }
                // Taken out while it grows, so its texts are appended in place, not copied.
                var choice = choices.removeValue(forKey: index) ?? Choice()
                if case .object(let delta)? = piece["delta"] {
                    for key in ["tool_calls", "function_call", "audio"] where delta[key] != nil && delta[key] != .null {
                        throw .malformed("a streamed choice holds \(key), which promptmill does not put back together")
                    }
                    for (key, value) in zip(delta.keys, delta.values) {
                        switch (key, value) {
                        case (_, .null): continue
                        case ("role", .string(let role)): choice.role = role
                        case ("content", .string(let text)): choice.content.append(text)
                        case ("refusal", .string(let text)): choice.refusal.append(text)
                        case (_, .string(let text)):
                            if case .string(let earlier)? = choice.other[key] {
                                choice.other.append(key, .string(earlier + text))
                            } else {
                                choice.other.append(key, .string(text))
                            }
                        default: choice.other.append(key, value)
                        }
                    }
                }
                if let finish = piece["finish_reason"], finish != .null { choice.finish = finish }
                choices[index] = choice
            }
        }
        let finished = !choices.isEmpty && choices.values.allSatisfy { $0.finish != .null }
        guard done || finished else { throw .malformed("the streamed answer ended before its last event") }
        var whole = JSONObject()
        whole.append("id", top["id"] ?? .null)
        whole.append("object", .string("chat.completion"))
        for key in ["created", "model"] { whole.append(key, top[key] ?? .null) }
        whole.append(
            "choices",
            .array(
                choices.keys.sorted().map { index in
                    let choice = choices[index]!
                    var message = JSONObject(
                        keys: ["role", "content", "refusal"],
                        values: [
                            .string(choice.role ?? "assistant"), choice.content.map(JSONValue.string) ?? .null,
                            choice.refusal.map(JSONValue.string) ?? .null,
                        ])
                    for (key, value) in zip(choice.other.keys, choice.other.values) { message.append(key, value) }
                    return .object(
                        JSONObject(
                            keys: ["index", "message", "logprobs", "finish_reason"],
                            values: [.number(String(index)), .object(message), .null, choice.finish]))
                }))
        if usage != .null { whole.append("usage", usage) }
        for key in ["service_tier", "system_fingerprint"] {
            if let value = top[key] { whole.append(key, value) }
        }
        return written(whole)
    }

    private static func responses(_ events: [(name: String?, data: String)]) throws(ResponseError) -> [UInt8] {
        for event in events {
            let payload = try object(event.data)
            let type: String? = if case .string(let name)? = payload["type"] { name } else { event.name }
            switch type {
            case "response.completed", "response.incomplete", "response.failed":
                guard case .object(let response)? = payload["response"] else {
                    throw .malformed("the \(type ?? "") event holds no response object")
                }
                return written(response)
            case "error":
                if payload["error"] != nil { return written(payload) }
                var error = JSONObject()
                for key in ["message", "type", "code", "param"] { error.append(key, payload[key] ?? .null) }
                return written(JSONObject(keys: ["error"], values: [.object(error)]))
            default:
                continue
            }
        }
        throw .malformed("the streamed answer ended before its response.completed event")
    }
}

extension String? {
    /// Appends `text`, starting from "" when there is nothing yet.
    fileprivate mutating func append(_ text: String) {
        if self == nil { self = text } else { self!.append(text) }
    }
}

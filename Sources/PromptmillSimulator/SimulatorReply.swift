import PromptmillCore

/// What the simulator does with one request.
/// An `Error` too, so request checks can hand back the reply that refuses the request.
struct SimulatorReply: Sendable, Error {
    enum Kind: Sendable {
        case answer
        /// Close the connection without a word.
        case drop
        /// Declare the whole body's length, send half of it, close.
        case truncate
        /// Declare the whole body's length, send half of it, then nothing.
        case stall
    }

    var kind: Kind
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]
    /// How long the reply waits before it is sent; nil: the configured live latency.
    var latency: Duration?
    /// The request asked for a streamed answer: the head goes at once, `body` as these
    /// events after the latency.
    var stream: SimulatorStream?

    static func json(_ status: Int, _ body: [UInt8], headers: [(String, String)] = []) -> SimulatorReply {
        SimulatorReply(kind: .answer, status: status, headers: headers, body: body)
    }

    /// OpenAI's error shape: `{"error": {"message", "type", "param", "code"}}`.
    static func error(
        _ status: Int, message: String, type: String, code: String?, param: String? = nil,
        headers: [(String, String)] = []
    ) -> SimulatorReply {
        var writer = JSONWriter()
        writer.raw("{\"error\":{\"message\":")
        writer.string(message)
        writer.raw(",\"type\":")
        writer.string(type)
        writer.raw(",\"param\":")
        if let param { writer.string(param) } else { writer.raw("null") }
        writer.raw(",\"code\":")
        if let code { writer.string(code) } else { writer.raw("null") }
        writer.raw("}}")
        return .json(status, writer.bytes, headers: headers)
    }
}

extension SimulatorReply {
    /// The same reply with another content type (when it is a 200).
    func with(contentType: String) -> SimulatorReply {
        guard status == 200 else { return self }
        var reply = self
        reply.headers.append(("content-type", contentType))
        return reply
    }
}

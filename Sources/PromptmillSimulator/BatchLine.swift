import PromptmillCore

/// One request of a batch, answered when the batch was created (by the code that answers
/// live requests) and delivered when the batch's clock reaches it.
struct BatchLine: Sendable {
    enum Outcome: Sendable {
        /// A 200: the live answer's body and usage, and the texts the paid log records.
        case answered(body: [UInt8], usage: BatchUsage, texts: [String])
        /// What the live endpoint would answer instead (a 4xx), or a 500 fault.
        case refused(status: Int, body: [UInt8])
        /// Past the point where the batch expires (`batchExpireAt`): never run, so never
        /// answered (no draw from the seeded generator, nothing in the prompt cache).
        case unreached
    }

    /// `batch_req_…`.
    let id: String
    let customID: String
    /// `req_…`.
    let requestID: String
    let outcome: Outcome

    var answered: Bool {
        if case .answered = outcome { return true }
        return false
    }

    /// The line's entry in the output file (a 200) or the error file (anything else).
    func write(_ writer: inout JSONWriter) {
        writeHead(&writer)
        writer.raw(",\"response\":{\"status_code\":")
        switch outcome {
        case .answered(let body, _, _):
            writer.number(200)
            writeRequestID(&writer)
            writer.bytes.append(contentsOf: body)
        case .refused(let status, let body):
            writer.number(status)
            writeRequestID(&writer)
            writer.bytes.append(contentsOf: body)
        case .unreached:
            writer.number(0)
            writeRequestID(&writer)
            writer.null()
        }
        writer.raw("},\"error\":null}\n")
    }

    /// The error-file entry of a line its batch did not reach before it expired.
    func writeExpired(_ writer: inout JSONWriter) {
        writeHead(&writer)
        writer.raw(
            ",\"response\":null,\"error\":{\"code\":\"batch_expired\",\"message\":\"This request could not be executed before the completion window expired.\"}}\n"
        )
    }

    private func writeHead(_ writer: inout JSONWriter) {
        writer.raw("{\"id\":")
        writer.string(id)
        writer.raw(",\"custom_id\":")
        writer.string(customID)
    }

    private func writeRequestID(_ writer: inout JSONWriter) {
        writer.raw(",\"request_id\":")
        writer.string(requestID)
        writer.raw(",\"body\":")
    }
}

@testable import PromptmillCore

/// Reads a fuzz input as a server's event stream, for chat and for responses. Whatever the
/// bytes, `StreamedAnswer.whole` either throws its `ResponseError` or gives back one JSON
/// object: the whole answer, or the error object an error event carried.
enum StreamedAnswerFuzzer {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let body = Array(bytes)
        for endpoint in [Endpoint.chat, .responses] {
            let whole: [UInt8]
            do {
                whole = try StreamedAnswer.whole(body, endpoint: endpoint)
            } catch {
                precondition(!error.description.isEmpty)
                continue
            }
            let parsed = try? whole.withUnsafeBytes { buffer throws(JSONParseError) in try JSONParser.parse(buffer) }
            guard case .object? = parsed else { preconditionFailure("a \(endpoint) stream put back together is not a JSON object") }
        }
    }
}

import Crypto
import Foundation

/// A request line of a Batch API input file, `{"custom_id", "method": "POST", "url",
/// "body"}`, and what an output or error file says about one
/// (platform.openai.com/docs/guides/batch).
enum BatchFileLine {
    /// The line's id: the SHA-256 of its body, so the same request (the same rows, the same
    /// body a live run sends) gets the same id in every run, and a rerun finds it in a batch
    /// already submitted.
    static func customID(body: [UInt8]) -> String {
        "pm-" + SHA256.hash(data: body).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    static func encode(customID: String, endpoint: Endpoint, body: [UInt8], into writer: inout JSONWriter) {
        writer.raw("{")
        writer.key("custom_id")
        writer.string(customID)
        writer.raw(",")
        writer.key("method")
        writer.string("POST")
        writer.raw(",")
        writer.key("url")
        writer.string("/v1" + endpoint.path)
        writer.raw(",\"body\":")
        body.withUnsafeBytes { writer.raw($0) }
        writer.raw("}\n")
    }

    /// What became of one line.
    enum Result: Sendable {
        /// An answer with its status and body (a 200, or a 4xx/5xx the request got).
        case answered(status: Int, body: [UInt8])
        /// No answer: `batch_expired`, `batch_cancelled`, or another error the batch gave.
        case notRun(code: String, message: String)
    }

    /// Parses one line of an output or error file; nil when it is not one.
    static func parse(_ line: ArraySlice<UInt8>) -> (customID: String, result: Result)? {
        guard let root = try? line.withUnsafeBytes({ bytes throws(JSONParseError) in try JSONParser.parse(bytes) }),
            case .object(let object) = root, case .string(let customID)? = object["custom_id"]
        else { return nil }
        if case .object(let response)? = object["response"], case .number(let statusText)? = response["status_code"],
            let status = Int(statusText), let body = response["body"]
        {
            var writer = JSONWriter(capacity: line.count)
            writer.value(body)
            return (customID, .answered(status: status, body: writer.bytes))
        }
        var code = "batch_error"
        var message = "the batch gave no answer for this line"
        if case .object(let error)? = object["error"] {
            if case .string(let text)? = error["code"] { code = text }
            if case .string(let text)? = error["message"] { message = text }
        }
        return (customID, .notRun(code: code, message: message))
    }
}

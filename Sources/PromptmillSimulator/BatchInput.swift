import PromptmillCore

/// A batch input file read and checked as OpenAI checks it while a batch is validating:
/// every line `{"custom_id": string, "method": "POST", "url": the batch's endpoint, "body":
/// {...}}`, one model, no custom_id twice, at most 50,000 lines. Codes as OpenAI documents
/// them (`invalid_json_line`, `duplicate_custom_id`, `url_mismatch`, `model_mismatch`,
/// `empty_file`, `too_many_tasks`).
enum BatchInput {
    struct Line: Sendable {
        /// 1-based, counting every line of the file.
        let number: Int
        let customID: String
        let body: JSONObject
    }

    static let maximumLines = 50_000
    /// `errors.data` lists at most this many problems.
    static let maximumErrors = 100
    static let urls = ["/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/responses", "/v1/moderations"]

    enum Outcome {
        case lines([Line])
        /// Why the batch fails.
        case invalid([BatchError])
    }

    static func read(_ bytes: [UInt8], endpoint: String) -> Outcome {
        var texts: [(number: Int, bytes: ArraySlice<UInt8>)] = []
        var start = 0
        var number = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            number += 1
            var line = bytes[start..<end]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if !line.isEmpty { texts.append((number, line)) }
            start = end + 1
        }
        if texts.isEmpty {
            return .invalid([BatchError(code: "empty_file", message: "The batch input file is empty. Upload a JSONL file with one request per line.")]
            )
        }
        if texts.count > maximumLines {
            return .invalid([
                BatchError(
                    code: "too_many_tasks",
                    message:
                        "The batch input file has \(texts.count) requests; a batch can have at most \(maximumLines). Split it into several batches.")
            ])
        }
        var errors: [BatchError] = []
        var lines: [Line] = []
        var seen: Set<String> = []
        var model: String?
        for (number, text) in texts where errors.count < maximumErrors {
            guard case .object(let object)? = try? text.withUnsafeBytes({ try JSONParser.parse($0) }) else {
                errors.append(BatchError(code: "invalid_json_line", message: "This line is not parseable as valid JSON.", line: number))
                continue
            }
            if let problem = check(object, endpoint: endpoint, model: &model) {
                errors.append(BatchError(code: problem.code, message: problem.message, param: problem.param, line: number))
                continue
            }
            guard case .string(let customID)? = object["custom_id"], case .object(let body)? = object["body"] else { continue }
            guard seen.insert(customID).inserted else {
                errors.append(
                    BatchError(
                        code: "duplicate_custom_id",
                        message:
                            "The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.",
                        param: "custom_id", line: number))
                continue
            }
            lines.append(Line(number: number, customID: customID, body: body))
        }
        return errors.isEmpty ? .lines(lines) : .invalid(errors)
    }

    /// What is wrong with one line's envelope, if anything; the first line with a model
    /// sets the batch's model.
    private static func check(_ object: JSONObject, endpoint: String, model: inout String?) -> BatchError? {
        for key in ["custom_id", "method", "url", "body"] where object[key] == nil {
            return BatchError(code: "missing_required_parameter", message: "Missing required parameter: '\(key)'.", param: key)
        }
        guard case .string = object["custom_id"] else {
            return BatchError(code: "invalid_type", message: "Invalid type for 'custom_id': expected a string.", param: "custom_id")
        }
        guard object["method"] == .string("POST") else {
            return BatchError(code: "invalid_value", message: "Invalid value for 'method': the Batch API only accepts POST.", param: "method")
        }
        guard case .string(let url)? = object["url"], urls.contains(url) else {
            return BatchError(
                code: "invalid_url", message: "Invalid value for 'url'. Supported values are: \(urls.map { "'\($0)'" }.joined(separator: ", ")).",
                param: "url")
        }
        guard url == endpoint else {
            return BatchError(
                code: "url_mismatch", message: "The URL provided for this request does not match the batch endpoint (\(endpoint)).", param: "url")
        }
        guard case .object(let body)? = object["body"] else {
            return BatchError(code: "invalid_type", message: "Invalid type for 'body': expected an object.", param: "body")
        }
        if case .string(let lineModel)? = body["model"] {
            if let model, model != lineModel {
                return BatchError(
                    code: "model_mismatch",
                    message:
                        "The model '\(lineModel)' of this request does not match the batch's model '\(model)'. Every request in a batch must use the same model.",
                    param: "body.model")
            }
            model = model ?? lineModel
        }
        return nil
    }
}

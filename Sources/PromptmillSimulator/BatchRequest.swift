import PromptmillCore

/// The body of `POST /v1/batches`, checked as OpenAI checks it: `input_file_id`, `endpoint`
/// (one of the five the Batch API serves), `completion_window` (`24h`) and `metadata` (at
/// most 16 string pairs, keys up to 64 characters, values up to 512).
struct BatchRequest: Sendable {
    let inputFileID: String
    let endpoint: String
    let completionWindow: String
    /// `.null` or an object of strings.
    let metadata: JSONValue

    static func parse(_ body: [UInt8]) -> Result<BatchRequest, SimulatorReply> {
        guard case .object(let object)? = try? body.withUnsafeBytes({ try JSONParser.parse($0) }) else {
            return .failure(
                .error(
                    400,
                    message:
                        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
                    type: "invalid_request_error", code: nil))
        }
        for key in ["input_file_id", "endpoint", "completion_window"] where object[key] == nil {
            return .failure(problem("Missing required parameter: '\(key)'.", code: "missing_required_parameter", param: key))
        }
        if let unknown = object.keys.first(where: { !["input_file_id", "endpoint", "completion_window", "metadata"].contains($0) }) {
            return .failure(.error(400, message: "Unrecognized request argument supplied: \(unknown)", type: "invalid_request_error", code: nil))
        }
        guard case .string(let inputFileID)? = object["input_file_id"] else {
            return .failure(problem("Invalid type for 'input_file_id': expected a string.", code: "invalid_type", param: "input_file_id"))
        }
        guard case .string(let endpoint)? = object["endpoint"], BatchInput.urls.contains(endpoint) else {
            let supported = BatchInput.urls.map { "'\($0)'" }.joined(separator: ", ")
            return .failure(problem("Invalid value for 'endpoint'. Supported values are: \(supported).", code: "invalid_value", param: "endpoint"))
        }
        guard case .string(let window)? = object["completion_window"], window == "24h" else {
            return .failure(
                problem("Invalid value for 'completion_window'. Supported values are: '24h'.", code: "invalid_value", param: "completion_window"))
        }
        let metadata = object["metadata"] ?? .null
        switch metadata {
        case .null: break
        case .object(let pairs):
            if pairs.count > 16 {
                return .failure(
                    problem(
                        "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with \(pairs.count) properties instead.",
                        code: "object_above_max_properties", param: "metadata"))
            }
            for (key, value) in zip(pairs.keys, pairs.values) {
                if key.count > 64 {
                    return .failure(
                        problem(
                            "Invalid 'metadata': the key '\(key.prefix(64))…' is longer than 64 characters.", code: "invalid_value", param: "metadata"
                        ))
                }
                guard case .string(let text) = value else {
                    return .failure(
                        problem("Invalid type for 'metadata.\(key)': expected a string.", code: "invalid_type", param: "metadata.\(key)"))
                }
                if text.count > 512 {
                    return .failure(
                        problem(
                            "Invalid 'metadata.\(key)': string too long. Expected a string with maximum length 512, but got a string with length \(text.count) instead.",
                            code: "string_above_max_length", param: "metadata.\(key)"))
                }
            }
        default:
            return .failure(problem("Invalid type for 'metadata': expected an object.", code: "invalid_type", param: "metadata"))
        }
        return .success(BatchRequest(inputFileID: inputFileID, endpoint: endpoint, completionWindow: window, metadata: metadata))
    }

    private static func problem(_ message: String, code: String, param: String) -> SimulatorReply {
        .error(400, message: message, type: "invalid_request_error", code: code, param: param)
    }
}

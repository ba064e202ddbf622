import PromptmillCore

/// The answer format a request asks for: responses' `text.format`, chat's `response_format`.
enum ResponseFormat: Sendable {
    case text
    /// Any JSON object.
    case jsonObject
    /// JSON that conforms to `schema` (structured outputs).
    case jsonSchema(name: String, schema: JSONValue, strict: Bool)

    /// The name of the strict schema promptmill sends for many rows in one request.
    static let packName = "promptmill_pack"

    var isJSON: Bool {
        if case .text = self { return false }
        return true
    }

    /// Responses' `text.format`: `{type, name, schema, strict}`.
    static func responses(_ object: JSONObject) -> Result<ResponseFormat, SimulatorReply> {
        guard case .object(let text)? = object["text"] else { return .success(.text) }
        guard let value = text["format"] else { return .success(.text) }
        return read(value, base: "text.format", schemaFields: { $0 })
    }

    /// Chat's `response_format`: `{type, json_schema: {name, schema, strict}}`.
    static func chat(_ object: JSONObject) -> Result<ResponseFormat, SimulatorReply> {
        guard let value = object["response_format"] else { return .success(.text) }
        return read(value, base: "response_format") { format in
            if case .object(let fields)? = format["json_schema"] { return fields }
            return nil
        }
    }

    private static func read(
        _ value: JSONValue, base: String, schemaFields: (JSONObject) -> JSONObject?
    ) -> Result<ResponseFormat, SimulatorReply> {
        guard case .object(let format) = value, case .string(let type)? = format["type"] else {
            return .failure(missing("\(base).type"))
        }
        switch type {
        case "text": return .success(.text)
        case "json_object": return .success(.jsonObject)
        case "json_schema":
            let fieldsBase = base == "text.format" ? base : "\(base).json_schema"
            guard let fields = schemaFields(format) else { return .failure(missing(fieldsBase)) }
            guard case .string(let name)? = fields["name"] else { return .failure(missing("\(fieldsBase).name")) }
            guard let schema = fields["schema"] else { return .failure(missing("\(fieldsBase).schema")) }
            let strict = fields["strict"] == .bool(true)
            if strict, let problem = StrictSchemaRules.firstProblem(in: schema) {
                return .failure(
                    .error(
                        400, message: "Invalid schema for response_format '\(name)': \(problem)", type: "invalid_request_error",
                        code: "invalid_json_schema", param: base == "text.format" ? "text.format.schema" : "response_format"))
            }
            return .success(.jsonSchema(name: name, schema: schema, strict: strict))
        default:
            return .failure(
                .error(
                    400, message: "Invalid value: '\(type)'. Supported values are: 'text', 'json_object', and 'json_schema'.",
                    type: "invalid_request_error", code: "invalid_value", param: "\(base).type"))
        }
    }

    private static func missing(_ parameter: String) -> SimulatorReply {
        .error(
            400, message: "Missing required parameter: '\(parameter)'.", type: "invalid_request_error", code: "missing_required_parameter",
            param: parameter)
    }
}

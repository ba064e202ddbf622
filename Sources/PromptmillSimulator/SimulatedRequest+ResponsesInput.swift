import PromptmillCore

/// `POST /v1/responses` input (platform.openai.com/docs/api-reference/responses/create): the
/// messages a request's prompt tokens are counted from.
extension SimulatedRequest {
    static let responsesRoles: Set<String> = ["user", "assistant", "system", "developer"]

    /// `instructions` as a first `developer` message, a string `input` as one `user` message,
    /// input messages as they are: the messages the prompt tokens are counted from.
    static func responsesMessages(_ object: JSONObject) -> Result<[(role: String, content: String, name: String?)], SimulatorReply> {
        var messages: [(role: String, content: String, name: String?)] = []
        if case .string(let instructions)? = object["instructions"] { messages.append(("developer", instructions, nil)) }
        switch object["input"] {
        case .string(let text)?:
            messages.append(("user", text, nil))
        case .array(let items)?:
            for (index, item) in items.enumerated() {
                guard case .object(let message) = item, case .string(let role)? = message["role"] else {
                    return .failure(
                        .error(
                            400, message: "Missing required parameter: 'input[\(index)].role'.", type: "invalid_request_error",
                            code: "missing_required_parameter", param: "input[\(index)].role"))
                }
                guard responsesRoles.contains(role) else {
                    return .failure(
                        .error(
                            400,
                            message:
                                "Invalid value: '\(role)'. Supported values are: 'assistant', 'system', 'developer', and 'user'.",
                            type: "invalid_request_error", code: "invalid_value", param: "input[\(index)].role"))
                }
                switch message["content"] {
                case .string(let text)?:
                    messages.append((role, text, nil))
                case .array(let parts)?:
                    var content = ""
                    for (partIndex, part) in parts.enumerated() {
                        guard case .object(let fields) = part, case .string(let text)? = fields["text"] else {
                            return .failure(
                                .error(
                                    400, message: "Missing required parameter: 'input[\(index)].content[\(partIndex)].text'.",
                                    type: "invalid_request_error", code: "missing_required_parameter",
                                    param: "input[\(index)].content[\(partIndex)].text"))
                        }
                        content += text
                    }
                    messages.append((role, content, nil))
                default:
                    return .failure(
                        .error(
                            400, message: "Missing required parameter: 'input[\(index)].content'.", type: "invalid_request_error",
                            code: "missing_required_parameter", param: "input[\(index)].content"))
                }
            }
        case nil:
            return .failure(
                .error(
                    400, message: "Missing required parameter: 'input'.", type: "invalid_request_error", code: "missing_required_parameter",
                    param: "input"))
        default:
            return .failure(
                .error(
                    400, message: "Invalid type for 'input': expected one of a string or array of input items, but got another type instead.",
                    type: "invalid_request_error", code: "invalid_type", param: "input"))
        }
        return .success(messages)
    }
}

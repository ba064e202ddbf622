/// What later steps' templates and `when` conditions read of a settled step, as
/// `steps.NAME`: `output` (the text, vector or moderation object), `json` (when the output
/// is text holding a JSON object, as with `response_format: {type: json_object}`) and
/// `skipped`.
enum StepContext {
    static func add(_ outcome: StepOutcome, named name: String, to context: inout JSONObject) {
        var result = JSONObject()
        let output = outcome.answer?.outputValue ?? .null
        result.append("output", output)
        if case .string(let text) = output, text.hasPrefix("{"),
            case .object(let object)? = try? Array(text.utf8).withUnsafeBytes({ try JSONParser.parse($0) })
        {
            result.append("json", .object(object))
        }
        if case .skipped = outcome.kind { result.append("skipped", .bool(true)) } else { result.append("skipped", .bool(false)) }
        guard case .object(var steps)? = context["steps"] else { return }
        steps.append(name, .object(result))
        context.append("steps", .object(steps))
    }
}

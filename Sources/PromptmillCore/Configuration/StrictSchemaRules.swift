/// OpenAI's rules for a `strict: true` schema that a sender most often breaks
/// (platform.openai.com/docs/guides/structured-outputs, "Supported schemas"): the root is an
/// object, and every object says `additionalProperties: false` and lists every property in
/// `required`. `validate` refuses a pipeline whose schema breaks them, and the simulator
/// refuses such a request as OpenAI does, so tests prove the schemas promptmill sends (its
/// packed one above all) are accepted.
public enum StrictSchemaRules {
    /// The first problem, worded as OpenAI words it, or nil.
    public static func firstProblem(in schema: JSONValue) -> String? {
        if case .object(let root) = schema, root["type"] != .string("object") {
            return "Invalid schema: the root must be an object (type: object), not anyOf or another type."
        }
        var context: [String] = []
        return problem(in: schema, context: &context)
    }

    private static func problem(in schema: JSONValue, context: inout [String]) -> String? {
        guard case .object(let node) = schema else { return nil }
        let place = "In context=(\(context.map { "'\($0)'" }.joined(separator: ", "))\(context.count == 1 ? "," : ""))"
        let isObject: Bool = {
            switch node["type"] {
            case .string("object")?: return true
            case .array(let types)?: return types.contains(.string("object"))
            default: return node["properties"] != nil
            }
        }()
        if isObject {
            if node["additionalProperties"] != .bool(false) {
                return "\(place), 'additionalProperties' is required to be supplied and to be false."
            }
            let keys: [String] = {
                if case .object(let properties)? = node["properties"] { return properties.keys }
                return []
            }()
            let required: [String] = {
                if case .array(let names)? = node["required"] { return names.compactMap { if case .string(let name) = $0 { name } else { nil } } }
                return []
            }()
            if let missing = keys.first(where: { !required.contains($0) }) {
                return
                    "\(place), 'required' is required to be supplied and to be an array including every key in properties. Missing '\(missing)'."
            }
        }
        for key in ["properties", "$defs", "definitions"] {
            guard case .object(let members)? = node[key] else { continue }
            for (name, member) in zip(members.keys, members.values) {
                context += [key, name]
                defer { context.removeLast(2) }
                if let found = problem(in: member, context: &context) { return found }
            }
        }
        if let items = node["items"] {
            context.append("items")
            defer { context.removeLast() }
            if let found = problem(in: items, context: &context) { return found }
        }
        for key in ["anyOf", "allOf", "oneOf", "prefixItems"] {
            guard case .array(let branches)? = node[key] else { continue }
            for (index, branch) in branches.enumerated() {
                context += [key, String(index)]
                defer { context.removeLast(2) }
                if let found = problem(in: branch, context: &context) { return found }
            }
        }
        return nil
    }
}

import PromptmillCore

/// Answers that break their schema, for the `schemaViolations` switch: the ways a real model's
/// structured answer goes wrong, each sure to fail a schema check.
extension StructuredAnswer {
    /// `value` (the right answer under `schema`) broken by the kind `draw` picks: an enum value
    /// outside its enum, a required property missing, or text that is not JSON at all. A kind
    /// the schema gives no hold for falls back to text that is not JSON.
    func brokenText(_ value: JSONValue, schema: JSONValue, draw: UInt64) -> String {
        let kind = draw % 4
        if kind == 0, let broken = outsideEnum(value, schema) { return Self.compact(broken) }
        if kind == 1, let broken = withoutRequired(value, schema) { return Self.compact(broken) }
        let json = Self.compact(value)
        if kind == 2 { return String(json.prefix(json.count / 2)) }
        return "Here is the JSON you asked for: " + json
    }

    /// One packed item broken by the kind `draw` picks; its `i` stays, so the sender can tell
    /// which row's answer it is. Falls back to a property of the wrong type.
    func brokenItem(_ value: JSONValue, schema: JSONValue, draw: UInt64) -> JSONValue {
        if draw % 2 == 0, let broken = outsideEnum(value, schema) { return broken }
        if let broken = withoutRequired(value, schema) { return broken }
        if let broken = outsideEnum(value, schema) { return broken }
        guard case .object(let object) = value, let index = object.keys.firstIndex(where: { $0 != "i" }) else { return .null }
        var values = object.values
        values[index] = if case .string = values[index] { .number("0") } else { .string("unsure") }
        return .object(JSONObject(keys: object.keys, values: values))
    }

    static func compact(_ value: JSONValue) -> String {
        var writer = JSONWriter(capacity: 256)
        writer.value(value)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The first value (in document order, through properties and items) whose schema has an
    /// enum, replaced by a string outside it.
    private func outsideEnum(_ value: JSONValue, _ schema: JSONValue) -> JSONValue? {
        guard case .object(let node) = resolved(schema) else { return nil }
        if case .array(let choices)? = node["enum"] {
            var wrong = "unsure"
            while choices.contains(.string(wrong)) { wrong += "_" }
            return .string(wrong)
        }
        return firstMember(of: value, node) { outsideEnum($0, $1) }
    }

    /// The first object (in document order) missing a property its schema requires.
    private func withoutRequired(_ value: JSONValue, _ schema: JSONValue) -> JSONValue? {
        guard case .object(let node) = resolved(schema) else { return nil }
        if case .object(let object) = value, case .array(let required)? = node["required"],
            let index = object.keys.firstIndex(where: { $0 != "i" && required.contains(.string($0)) })
        {
            var keys = object.keys
            var values = object.values
            keys.remove(at: index)
            values.remove(at: index)
            return .object(JSONObject(keys: keys, values: values))
        }
        return firstMember(of: value, node) { withoutRequired($0, $1) }
    }

    /// `value` with its first member or item (in document order) that `breaking` breaks
    /// against its schema in `node` replaced by the broken one; nil when none breaks.
    private func firstMember(of value: JSONValue, _ node: JSONObject, breaking: (JSONValue, JSONValue) -> JSONValue?) -> JSONValue? {
        switch value {
        case .object(let object):
            guard case .object(let properties)? = node["properties"] else { return nil }
            for (index, key) in object.keys.enumerated() {
                guard let member = properties[key], let broken = breaking(object.values[index], member) else { continue }
                var values = object.values
                values[index] = broken
                return .object(JSONObject(keys: object.keys, values: values))
            }
        case .array(var items):
            guard let itemSchema = node["items"] else { return nil }
            for index in items.indices {
                guard let broken = breaking(items[index], itemSchema) else { continue }
                items[index] = broken
                return .array(items)
            }
        default: break
        }
        return nil
    }
}

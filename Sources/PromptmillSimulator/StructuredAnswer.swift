import Foundation
import PromptmillCore

/// A JSON value that conforms to a schema, derived from a row's text alone: the same text and
/// schema give the same value, whichever request carries them.
///
/// Objects get every property, in the schema's order. An enum value is chosen by a hash of
/// the text and the value's place, except that a string enum holding `positive`, `negative`
/// or `neutral` gets `AnswerRules.sentiment` of the text. Strings are a few words (or fit
/// their `format`), numbers lie within their bounds, arrays hold 1 to 3 items; `$ref`,
/// `$defs`, `anyOf`, `oneOf` and `allOf` are followed. An object whose only property is a
/// string `output` gets the text a plain request would answer (`AnswerRules.text`), and one
/// whose only property is `answer` wraps what that property's schema gets alone.
/// `pattern` is not honoured.
struct StructuredAnswer {
    /// The whole schema, for `$ref`s.
    let root: JSONValue
    let text: String
    /// Past this depth arrays take their fewest items and `anyOf` its `null` branch, so a
    /// recursive schema ends.
    static let deepest = 6

    /// The answer for `text` (choice 0 of a row) under `schema`.
    static func value(for text: String, schema: JSONValue) -> JSONValue {
        StructuredAnswer(root: schema, text: text).value(schema, path: "", depth: 0)
    }

    /// The small object a `json_object` request gets.
    static func object(for text: String) -> JSONValue {
        .object(JSONObject(keys: ["answer"], values: [.string(AnswerRules.text(for: text, choice: 0).trimmingCharacters(in: .whitespaces))]))
    }

    func value(_ schema: JSONValue, path: String, depth: Int) -> JSONValue {
        guard case .object(let node) = resolved(schema) else {
            return schema == .bool(false) ? .null : words(path: path, minLength: nil, maxLength: nil)
        }
        if let constant = node["const"] { return constant }
        if case .array(let choices)? = node["enum"], !choices.isEmpty { return choice(among: choices, path: path) }
        for key in ["anyOf", "oneOf"] {
            guard case .array(let branches)? = node[key], !branches.isEmpty else { continue }
            let isNull = { (branch: JSONValue) in
                if case .object(let fields) = resolved(branch) { return fields["type"] == .string("null") }
                return false
            }
            let pick = depth >= Self.deepest ? branches.first(where: isNull) ?? branches[0] : branches.first(where: { !isNull($0) }) ?? branches[0]
            return value(pick, path: path, depth: depth + 1)
        }
        if case .array(let parts)? = node["allOf"], !parts.isEmpty {
            return value(.object(merged(node, parts)), path: path, depth: depth)
        }
        switch kind(of: node, depth: depth) {
        case "object": return object(node, path: path, depth: depth)
        case "array": return array(node, path: path, depth: depth)
        case "integer": return integer(node, path: path)
        case "number": return number(node, path: path)
        case "boolean": return .bool(hash(path) % 2 == 0)
        case "null": return .null
        default: return string(node, path: path)
        }
    }

    /// A `$ref` (`#/$defs/Name`, any JSON pointer into the root) followed to its schema.
    func resolved(_ schema: JSONValue) -> JSONValue {
        var current = schema
        for _ in 0..<32 {
            guard case .object(let node) = current, case .string(let reference)? = node["$ref"] else { return current }
            guard let target = Self.pointer(reference, in: root) else { return .object(JSONObject()) }
            current = target
        }
        return current
    }

    static func pointer(_ reference: String, in root: JSONValue) -> JSONValue? {
        guard reference.hasPrefix("#") else { return nil }
        var current = root
        for token in reference.dropFirst().split(separator: "/") {
            let name = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch current {
            case .object(let object):
                guard let next = object[name] else { return nil }
                current = next
            case .array(let items):
                guard let index = Int(name), items.indices.contains(index) else { return nil }
                current = items[index]
            default: return nil
            }
        }
        return current
    }

    private func merged(_ node: JSONObject, _ parts: [JSONValue]) -> JSONObject {
        var result = JSONObject()
        var properties = JSONObject()
        var required: [JSONValue] = []
        for part in [JSONValue.object(node)] + parts {
            guard case .object(let fields) = resolved(part) else { continue }
            for (key, value) in zip(fields.keys, fields.values) where key != "allOf" {
                switch (key, value) {
                case ("properties", .object(let members)):
                    for (name, member) in zip(members.keys, members.values) { properties.append(name, member) }
                case ("required", .array(let names)):
                    required += names
                default:
                    result.append(key, value)
                }
            }
        }
        if properties.count > 0 { result.append("properties", .object(properties)) }
        if !required.isEmpty { result.append("required", .array(required)) }
        return result
    }

    private func kind(of node: JSONObject, depth: Int) -> String {
        switch node["type"] {
        case .string(let type)?: return type
        case .array(let types)?:
            let names = types.compactMap { if case .string(let name) = $0 { name } else { nil } }
            if depth >= Self.deepest, names.contains("null") { return "null" }
            return names.first(where: { $0 != "null" }) ?? names.first ?? "string"
        default:
            if node["properties"] != nil || node["required"] != nil { return "object" }
            if node["items"] != nil || node["prefixItems"] != nil { return "array" }
            return "string"
        }
    }

    private func object(_ node: JSONObject, path: String, depth: Int) -> JSONValue {
        var result = JSONObject()
        var properties = JSONObject()
        if case .object(let members)? = node["properties"] { properties = members }
        if path.isEmpty, properties.keys == ["output"], case .object(let output) = resolved(properties.values[0]),
            output["type"] == .string("string"), output["enum"] == nil, output["const"] == nil
        {
            return .object(
                JSONObject(keys: ["output"], values: [.string(AnswerRules.text(for: text, choice: 0).trimmingCharacters(in: .whitespaces))]))
        }
        if path.isEmpty, properties.keys == ["answer"] {
            // A wrapper: the value is what the wrapped schema gets alone, as a packed row whose
            // schema is not an object of properties gets what it would get unpacked.
            return .object(JSONObject(keys: ["answer"], values: [value(properties.values[0], path: "", depth: depth + 1)]))
        }
        for (name, member) in zip(properties.keys, properties.values) {
            result.append(name, value(member, path: path + "/" + name, depth: depth + 1))
        }
        if case .array(let required)? = node["required"] {
            for case .string(let name) in required where result[name] == nil {
                result.append(name, words(path: path + "/" + name, minLength: nil, maxLength: nil))
            }
        }
        if result.count == 0, node["additionalProperties"] != .bool(false) {
            result.append("answer", words(path: path + "/answer", minLength: nil, maxLength: nil))
        }
        return .object(result)
    }

    private func array(_ node: JSONObject, path: String, depth: Int) -> JSONValue {
        var prefix: [JSONValue] = []
        if case .array(let schemas)? = node["prefixItems"] { prefix = schemas }
        let fewest = RequestParameters.integer(node["minItems"]) ?? 0
        let most = RequestParameters.integer(node["maxItems"]) ?? Int.max
        var count = depth >= Self.deepest ? fewest : 1 + Int(hash(path + "#") % 3)
        count = max(fewest, min(most, count))
        if node["items"] == .bool(false) { count = min(count, prefix.count) }
        var items: [JSONValue] = []
        for index in 0..<count {
            let schema = index < prefix.count ? prefix[index] : node["items"] ?? .object(JSONObject())
            let item = value(schema, path: path + "/" + String(index), depth: depth + 1)
            if node["uniqueItems"] == .bool(true), items.contains(item) { continue }
            items.append(item)
        }
        return .array(items)
    }

    private func choice(among choices: [JSONValue], path: String) -> JSONValue {
        let labels = ["positive", "negative", "neutral"]
        let lowered = choices.map { if case .string(let name) = $0 { name.lowercased() } else { "" } }
        if lowered.contains(where: labels.contains) {
            let sentiment = AnswerRules.sentiment(of: AnswerRules.reviewText(text))
            if let index = lowered.firstIndex(of: sentiment) { return choices[index] }
        }
        return choices[Int(hash(path) % UInt64(choices.count))]
    }

    func hash(_ path: String) -> UInt64 {
        AnswerRules.hash(text + "\u{1F}" + path)
    }
}

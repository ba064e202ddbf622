extension JSONSchema {
    /// An object's members as `JSONParser` reads the text: a repeated key keeps the place it
    /// first had and the value it was last given. Keys are compared by their bytes.
    static func members(of object: JSONObject) -> [(key: String, value: JSONValue)] {
        var members: [(key: String, value: JSONValue)] = []
        members.reserveCapacity(object.count)
        var positions: [[UInt8]: Int] = [:]
        let small = object.count <= 16
        for (key, value) in zip(object.keys, object.values) {
            let position =
                small
                ? members.firstIndex { $0.key.utf8.elementsEqual(key.utf8) }
                : positions[Array(key.utf8)]
            if let position {
                members[position].value = value
            } else {
                if !small { positions[Array(key.utf8)] = members.count }
                members.append((key, value))
            }
        }
        return members
    }

    /// Bytes that two values share exactly when JSON Schema calls them equal: numbers by
    /// value (`1` and `1.0`), strings code point for code point, objects whatever their key
    /// order, arrays item by item.
    static func canonicalKey(_ value: JSONValue) -> [UInt8] {
        var key: [UInt8] = []
        appendCanonical(value, to: &key)
        return key
    }

    private static func appendCanonical(_ value: JSONValue, to key: inout [UInt8]) {
        switch value {
        case .null: key.append(UInt8(ascii: "n"))
        case .bool(let flag): key.append(flag ? UInt8(ascii: "t") : UInt8(ascii: "f"))
        case .number(let text):
            key.append(UInt8(ascii: "#"))
            key += (ExactNumber(text)?.canonicalText ?? text).utf8
            key.append(UInt8(ascii: ";"))
        case .string(let text):
            appendCanonical(text, to: &key)
        case .array(let items):
            key.append(UInt8(ascii: "["))
            for item in items { appendCanonical(item, to: &key) }
            key.append(UInt8(ascii: "]"))
        case .object(let object):
            key.append(UInt8(ascii: "{"))
            for member in members(of: object).sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                appendCanonical(member.key, to: &key)
                appendCanonical(member.value, to: &key)
            }
            key.append(UInt8(ascii: "}"))
        }
    }

    /// A string as `s`, its length in bytes, `:` and its bytes: no content can end it early.
    private static func appendCanonical(_ text: String, to key: inout [UInt8]) {
        key.append(UInt8(ascii: "s"))
        key += String(text.utf8.count).utf8
        key.append(UInt8(ascii: ":"))
        key += text.utf8
    }

    static func value(_ value: JSONValue, isOneOf kinds: Kinds) -> Bool {
        switch value {
        case .null: kinds.contains(.null)
        case .bool: kinds.contains(.boolean)
        case .string: kinds.contains(.string)
        case .array: kinds.contains(.array)
        case .object: kinds.contains(.object)
        case .number(let text): kinds.contains(.number) || (kinds.contains(.integer) && ExactNumber(text)?.isInteger == true)
        }
    }

    static func kind(of value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        case .number: "a number"
        }
    }

    /// A value as JSON for a message, cut to about 60 characters: enough to recognise it,
    /// never a whole answer.
    static func render(_ value: JSONValue) -> String {
        let limit = 60
        var writer = JSONWriter(capacity: 128)
        if case .string(let text) = value, text.unicodeScalars.count > limit {
            writer.string(String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit - 3))))
            writer.bytes.removeLast()
            writer.raw("…\"")
            return String(decoding: writer.bytes, as: UTF8.self)
        }
        let complete = preview(value, into: &writer, budget: 2 * limit)
        let text = String(decoding: writer.bytes, as: UTF8.self)
        return complete && text.count <= limit ? text : text.prefix(limit - 1) + "…"
    }

    /// Writes `value` as compact JSON until `budget` bytes are written; false if it stopped
    /// short. Each level writes a byte before the next, so a value nested 500 deep costs no
    /// more stack than one nested `budget` deep.
    private static func preview(_ value: JSONValue, into writer: inout JSONWriter, budget: Int) -> Bool {
        guard writer.bytes.count < budget else { return false }
        switch value {
        case .array(let items):
            writer.byte(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { writer.byte(UInt8(ascii: ",")) }
                guard preview(item, into: &writer, budget: budget) else { return false }
            }
            writer.byte(UInt8(ascii: "]"))
        case .object(let object):
            writer.byte(UInt8(ascii: "{"))
            for (index, key) in object.keys.enumerated() {
                if index > 0 { writer.byte(UInt8(ascii: ",")) }
                guard preview(.string(key), into: &writer, budget: budget) else { return false }
                writer.byte(UInt8(ascii: ":"))
                guard preview(object.values[index], into: &writer, budget: budget) else { return false }
            }
            writer.byte(UInt8(ascii: "}"))
        case .string(let text):
            writer.string(String(String.UnicodeScalarView(text.unicodeScalars.prefix(budget))))
            return text.unicodeScalars.count <= budget
        case .number(let text):
            writer.raw(String(text.prefix(budget)))
            return text.utf8.count <= budget
        case .null, .bool:
            writer.value(value)
        }
        return true
    }

    /// `$`, then `.name` for a member whose name is an identifier, `["name"]` for any other,
    /// and `[index]` for an item.
    static func path(_ location: [Step]) -> String {
        var path = "$"
        for step in location {
            switch step {
            case .item(let index):
                path += "[\(index)]"
            case .member(let name, _):
                if isIdentifier(name) {
                    path += "." + name
                } else {
                    var writer = JSONWriter(capacity: name.utf8.count + 2)
                    writer.string(name)
                    path += "[" + String(decoding: writer.bytes, as: UTF8.self) + "]"
                }
            }
        }
        return path
    }

    private static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            byte == UInt8(ascii: "_") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20)
        }
    }

    /// `a`, `a or b`, `a, b or c`.
    static func list(_ items: [String], _ conjunction: String) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " \(conjunction) " + items[items.count - 1]
    }

    /// `1 item`, `2 items`; `property` becomes `properties`.
    static func count(_ number: Int, _ noun: String) -> String {
        guard number != 1 else { return "1 \(noun)" }
        return "\(number) " + (noun.hasSuffix("y") ? noun.dropLast() + "ies" : noun + "s")
    }
}

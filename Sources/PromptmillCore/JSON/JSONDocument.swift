import Foundation

/// The documents promptmill writes for people and programs (the summary, `status --json`,
/// `estimate --json`) are `Encodable` values, encoded by Foundation's `JSONEncoder` with
/// sorted keys. Records are not documents: they are the per-row hot path, written by
/// `JSONWriter`.
public enum JSONDocument {
    /// `value` as compact JSON text, or with `pretty` one member a line, written
    /// `"key": value` (the form people and `grep` expect).
    public static func text(_ value: some Encodable, pretty: Bool = false) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every document is made of strings, numbers, booleans and nulls: it always encodes.
        guard let data = try? encoder.encode(value) else { return "{}" }
        guard pretty, let tree = try? [UInt8](data).withUnsafeBytes({ try JSONParser.parse($0) }) else {
            return String(decoding: data, as: UTF8.self)
        }
        var writer = JSONWriter()
        write(tree, indent: 0, into: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Objects one member a line at the top, nested objects and arrays on one line.
    private static func write(_ value: JSONValue, indent: Int, into writer: inout JSONWriter) {
        guard indent == 0, case .object(let object) = value else {
            inline(value, into: &writer)
            return
        }
        writer.raw("{")
        for (index, key) in object.keys.enumerated() {
            writer.raw(index == 0 ? "\n  " : ",\n  ")
            writer.key(key)
            writer.raw(" ")
            inline(object.values[index], into: &writer)
        }
        writer.raw("\n}")
    }

    private static func inline(_ value: JSONValue, into writer: inout JSONWriter) {
        switch value {
        case .object(let object):
            writer.raw("{")
            for (index, key) in object.keys.enumerated() {
                if index > 0 { writer.raw(", ") }
                writer.key(key)
                writer.raw(" ")
                inline(object.values[index], into: &writer)
            }
            writer.raw("}")
        case .array(let items):
            writer.raw("[")
            for (index, item) in items.enumerated() {
                if index > 0 { writer.raw(", ") }
                inline(item, into: &writer)
            }
            writer.raw("]")
        default:
            writer.value(value)
        }
    }
}

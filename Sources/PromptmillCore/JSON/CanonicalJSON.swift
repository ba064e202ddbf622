/// JSON written one way only, so equal values give equal bytes: object keys sorted by their
/// UTF-8 bytes at every depth, no whitespace, and numbers in one spelling (`0`, `0.0` and
/// `0e0` are all `0`; `0.70` is `0.7`).
enum CanonicalJSON {
    static func write(_ value: JSONValue, into writer: inout JSONWriter) {
        switch value {
        case .null, .bool, .string:
            writer.value(value)
        case .number(let text):
            writer.raw(canonicalNumber(text))
        case .array(let elements):
            writer.byte(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { writer.byte(UInt8(ascii: ",")) }
                write(element, into: &writer)
            }
            writer.byte(UInt8(ascii: "]"))
        case .object(let object):
            writer.byte(UInt8(ascii: "{"))
            let order = object.keys.indices.sorted { object.keys[$0].utf8.lexicographicallyPrecedes(object.keys[$1].utf8) }
            for (position, index) in order.enumerated() {
                if position > 0 { writer.byte(UInt8(ascii: ",")) }
                writer.key(object.keys[index])
                write(object.values[index], into: &writer)
            }
            writer.byte(UInt8(ascii: "}"))
        }
    }

    static func canonicalNumber(_ text: String) -> String {
        if let integer = Int64(text) { return String(integer) }
        guard let double = Double(text), double.isFinite else { return text }
        if double == double.rounded(), abs(double) < 9e15 { return String(Int64(double)) }
        return String(double)
    }
}

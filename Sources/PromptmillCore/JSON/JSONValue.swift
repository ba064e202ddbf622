/// A parsed JSON value, as it travels from an input row into a prompt and an output record.
///
/// Numbers keep the text they were written with, so that `1.10` in the input is `1.10` in the
/// prompt and in the record: promptmill never reformats a user's data.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number exactly as written in the source (already validated as a JSON number).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// A JSON object that keeps its keys in the order they were written.
///
/// Input rows have a handful of fields, so a linear scan beats hashing and keeps the order
/// that the output's `input` copy shows.
public struct JSONObject: Sendable, Equatable {
    public private(set) var keys: [String]
    public private(set) var values: [JSONValue]

    public init() {
        keys = []
        values = []
    }

    public init(keys: [String], values: [JSONValue]) {
        precondition(keys.count == values.count, "keys and values differ in length")
        self.keys = keys
        self.values = values
    }

    public var count: Int { keys.count }

    public subscript(key: String) -> JSONValue? {
        guard let index = keys.firstIndex(of: key) else { return nil }
        return values[index]
    }

    /// Appends a key; a later duplicate replaces the earlier value, as in most JSON parsers.
    public mutating func append(_ key: String, _ value: JSONValue) {
        if let index = keys.firstIndex(of: key) {
            values[index] = value
        } else {
            keys.append(key)
            values.append(value)
        }
    }
}

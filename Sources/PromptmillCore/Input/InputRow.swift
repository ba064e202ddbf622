/// One record read from the input file, before any template touches it.
public struct InputRow: Sendable, Equatable {
    /// 1-based position among the rows read (bad rows that were skipped count too).
    public var number: Int
    /// Physical line of the file where the record starts (1-based), for messages.
    public var line: Int
    /// The row's fields: a JSONL object as parsed, or a CSV record keyed by its header.
    public var fields: JSONObject

    public init(number: Int, line: Int, fields: JSONObject) {
        self.number = number
        self.line = line
        self.fields = fields
    }
}

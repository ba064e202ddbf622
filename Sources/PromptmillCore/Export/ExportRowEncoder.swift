/// Writes the export's header and rows as bytes, in CSV or JSONL (see `ExportFormat`).
///
/// CSV cells: a string as it is, a number as written in the source, `true`/`false`, an
/// empty cell for null or a missing field, and arrays and objects as compact JSON text.
struct ExportRowEncoder {
    let format: ExportFormat
    let columns: ExportColumns
    /// CSV input: every row's fields are the header's, in its order.
    let inputIsCSV: Bool
    private var json = JSONWriter(capacity: 1024)

    init(format: ExportFormat, columns: ExportColumns, inputIsCSV: Bool) {
        self.format = format
        self.columns = columns
        self.inputIsCSV = inputIsCSV
    }

    /// The CSV header line; nothing for JSONL.
    mutating func header(into bytes: inout [UInt8]) {
        guard format == .csv else { return }
        for (index, name) in columns.all.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            Self.cell(name, into: &bytes)
        }
        bytes.append(contentsOf: [0x0D, 0x0A])
    }

    /// One row: the input's fields (nil: the row could not be read) and the answer's values,
    /// one per `columns.answer`.
    mutating func row(input fields: JSONObject?, answer: [JSONValue], into bytes: inout [UInt8]) {
        switch format {
        case .csv:
            var first = true
            if let fields, inputIsCSV, fields.keys == columns.input {
                for value in fields.values { cell(value, first: &first, into: &bytes) }
            } else {
                for name in columns.input { cell(fields?[name] ?? .null, first: &first, into: &bytes) }
            }
            for value in answer { cell(value, first: &first, into: &bytes) }
            bytes.append(contentsOf: [0x0D, 0x0A])
        case .jsonl:
            json.removeAll()
            json.byte(UInt8(ascii: "{"))
            var first = true
            if let fields {
                for (key, value) in zip(fields.keys, fields.values) { member(key, value, first: &first) }
            }
            for (key, value) in zip(columns.answer, answer) { member(key, value, first: &first) }
            json.raw("}\n")
            bytes.append(contentsOf: json.bytes)
        }
    }

    private mutating func member(_ key: String, _ value: JSONValue, first: inout Bool) {
        if !first { json.byte(UInt8(ascii: ",")) }
        first = false
        json.key(key)
        json.value(value)
    }

    private mutating func cell(_ value: JSONValue, first: inout Bool, into bytes: inout [UInt8]) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        switch value {
        case .null: break
        case .string(let text): Self.cell(text, into: &bytes)
        case .number(let digits): bytes.append(contentsOf: digits.utf8)
        case .bool(let flag): bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        case .array, .object:
            json.removeAll()
            json.value(value)
            Self.cell(json.bytes, into: &bytes)
        }
    }

    /// A text cell, quoted (RFC 4180) when it holds a comma, a quote, a CR or an LF.
    static func cell(_ text: String, into bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { cell($0, into: &bytes) }
    }

    static func cell<Bytes: Collection<UInt8>>(_ text: Bytes, into bytes: inout [UInt8]) {
        let quote = UInt8(ascii: "\"")
        guard text.contains(where: { $0 == UInt8(ascii: ",") || $0 == quote || $0 == 0x0D || $0 == 0x0A }) else {
            bytes.append(contentsOf: text)
            return
        }
        bytes.append(quote)
        for byte in text {
            if byte == quote { bytes.append(quote) }
            bytes.append(byte)
        }
        bytes.append(quote)
    }
}

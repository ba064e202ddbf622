#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Streams the rows of a JSONL or CSV file (either may be gzip) in constant memory.
///
/// Bad rows come back as `.bad` with their line and reason, and reading goes on after them;
/// the caller stops or skips them by the pipeline's `on_bad_row`.
public final class RowReader {
    private let source: FileByteSource
    private let format: InputFormat
    private let displayName: String
    /// Unconsumed bytes; rows are parsed in place, then the buffer is compacted.
    private var buffer: [UInt8] = []
    private var position = 0
    private var endOfInput = false
    /// Physical line (1-based) where the next row starts.
    private var line = 1
    private var rowNumber = 0
    private var csvHeader: [String]?
    private let delimiter: UInt8
    private let chunkSize = 1 << 20

    /// `delimiter`: CSV's field separator (`input.delimiter`). Throws `InputError` when the
    /// file cannot be read, is not UTF-8 (a UTF-16 or UTF-32 byte-order mark), or its CSV
    /// header is unusable.
    public init(path: String, format: InputFormat, displayName: String, delimiter: UInt8 = UInt8(ascii: ",")) throws(InputError) {
        source = try FileByteSource(path: path, displayName: displayName)
        self.format = format
        self.displayName = displayName
        self.delimiter = delimiter
        buffer.reserveCapacity(chunkSize * 2)
        try fill()
        if let encoding = TextEncodingCheck.byteOrderMark(buffer) {
            throw .notUTF8(file: displayName, encoding: encoding, compressed: source.isGzip)
        }
        // A UTF-8 byte-order mark at the start of the file is not data.
        if buffer.count >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF { position = 3 }
        if format == .csv { try readHeader() }
    }

    /// Compressed bytes read from the file so far.
    public var bytesRead: UInt64 { source.bytesRead }

    public func next() throws(InputError) -> RowReadResult? {
        switch format {
        case .jsonl: try nextJSONLine()
        case .csv: try nextCSVRecord()
        }
    }

    /// Reads more bytes; false at the end of the input.
    @discardableResult
    func fill() throws(InputError) -> Bool {
        guard !endOfInput else { return false }
        if position > 0, position >= buffer.count / 2 {
            buffer.removeSubrange(0..<position)
            position = 0
        }
        let count = try source.read(into: &buffer, capacity: chunkSize)
        if count == 0 { endOfInput = true }
        return count > 0
    }

    // MARK: JSONL

    private func nextJSONLine() throws(InputError) -> RowReadResult? {
        while true {
            var newline = findNewline(from: position)
            while newline == nil, try fill() {
                newline = findNewline(from: position)
            }
            guard position < buffer.count || newline != nil else { return nil }
            let end = newline ?? buffer.count
            let lineNumber = line
            line += 1
            let start = position
            position = newline.map { $0 + 1 } ?? buffer.count
            let result = buffer.withUnsafeBufferPointer { bytes in
                parseJSONLine(UnsafeBufferPointer(rebasing: bytes[start..<end]), line: lineNumber)
            }
            if let result { return result }
        }
    }

    /// The index of the byte that ends the line starting at `start`: an LF, or a lone CR
    /// (classic Mac line endings; a raw CR cannot occur inside a JSON string, so outside the
    /// CR of a CRLF it ends a line). nil when the buffer holds no whole line yet.
    private func findNewline(from start: Int) -> Int? {
        guard start < buffer.count else { return nil }
        let endOfInput = endOfInput
        return buffer.withUnsafeBufferPointer { bytes -> Int? in
            let base = bytes.baseAddress!
            let feed = memchr(base + start, 0x0A, bytes.count - start).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) }
            let searchEnd = feed ?? bytes.count
            guard searchEnd > start, let found = memchr(base + start, 0x0D, searchEnd - start) else { return feed }
            let carriage = UnsafeRawPointer(found) - UnsafeRawPointer(base)
            if carriage + 1 < bytes.count { return bytes[carriage + 1] == 0x0A ? feed : carriage }
            // A CR at the buffer's end: the next byte decides, unless nothing more comes.
            return endOfInput ? carriage : nil
        }
    }

    /// nil for a blank line.
    private func parseJSONLine(_ bytes: UnsafeBufferPointer<UInt8>, line: Int) -> RowReadResult? {
        var blank = true
        for byte in bytes where !(byte == 0x20 || byte == 0x09 || byte == 0x0D) {
            blank = false
            break
        }
        if blank { return nil }
        rowNumber += 1
        if let bad = UTF8Check.firstInvalidOffset(bytes) {
            return .bad(
                InputProblem(
                    file: displayName, line: line,
                    reason: "invalid UTF-8 at byte \(bad + 1) of the line" + TextEncodingCheck.hint(forInvalidByte: bytes[bad])))
        }
        do {
            let value = try JSONParser.parse(UnsafeRawBufferPointer(bytes))
            guard case .object(let object) = value else {
                return .bad(InputProblem(file: displayName, line: line, reason: "a JSONL row must be a JSON object, found \(Self.kind(of: value))"))
            }
            return .row(InputRow(number: rowNumber, line: line, fields: object))
        } catch {
            let column = Self.characterColumn(bytes, byteOffset: error.offset)
            return .bad(InputProblem(file: displayName, line: line, reason: "invalid JSON: \(error.reason) at column \(column)"))
        }
    }

    static func kind(of value: JSONValue) -> String {
        switch value {
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        case .object: "an object"
        }
    }

    /// The 1-based character column of a 1-based byte offset.
    static func characterColumn(_ bytes: UnsafeBufferPointer<UInt8>, byteOffset: Int) -> Int {
        let end = min(bytes.count, max(0, byteOffset - 1))
        var column = 1
        for index in 0..<end where bytes[index] & 0xC0 != 0x80 { column += 1 }
        return column
    }

    // MARK: CSV

    /// The header row; an empty file has none, and no rows.
    private func readHeader() throws(InputError) {
        guard let record = try nextRawCSVRecord() else { return }
        switch record {
        case .failure(let problem):
            throw .badHeader(file: displayName, line: problem.line, reason: problem.reason)
        case .success(let parsed):
            if parsed.fields.count == 1, let other = TextEncodingCheck.otherDelimiter(in: parsed.fields[0], than: delimiter) {
                throw .badHeader(
                    file: displayName, line: parsed.line,
                    reason:
                        "the header is one column, \"\(parsed.fields[0].prefix(60))\", which looks separated by '\(other.name)' — set input.delimiter: \"\(other.setting)\" in the pipeline"
                )
            }
            var seen = Set<String>()
            for (index, name) in parsed.fields.enumerated() {
                if name.isEmpty {
                    throw .badHeader(file: displayName, line: parsed.line, reason: "header column \(index + 1) is empty — give every column a name")
                }
                if !seen.insert(name).inserted {
                    throw .badHeader(
                        file: displayName, line: parsed.line, reason: "header repeats the column \"\(name)\" — column names must be unique")
                }
            }
            csvHeader = parsed.fields
        }
    }

    private func nextCSVRecord() throws(InputError) -> RowReadResult? {
        guard let header = csvHeader, let record = try nextRawCSVRecord() else { return nil }
        rowNumber += 1
        switch record {
        case .failure(let problem):
            return .bad(problem)
        case .success(let parsed):
            guard parsed.fields.count == header.count else {
                return .bad(
                    InputProblem(
                        file: displayName, line: parsed.line,
                        reason: "row has \(parsed.fields.count) field\(parsed.fields.count == 1 ? "" : "s"), the header has \(header.count)"))
            }
            return .row(InputRow(number: rowNumber, line: parsed.line, fields: JSONObject(keys: header, values: parsed.fields.map(JSONValue.string))))
        }
    }

    struct CSVRecord {
        var fields: [String]
        var line: Int
    }

    /// The next record's fields, skipping empty lines; nil at the end.
    private func nextRawCSVRecord() throws(InputError) -> Result<CSVRecord, InputProblem>? {
        while true {
            // Skip empty lines between records.
            while true {
                if position >= buffer.count, !(try fill()) { return nil }
                if buffer[position] == 0x0A {
                    position += 1
                    line += 1
                } else if buffer[position] == 0x0D {
                    // CRLF or a lone CR: the byte after decides, so read it first.
                    if position + 1 >= buffer.count, try fill() { continue }
                    position += position + 1 < buffer.count && buffer[position + 1] == 0x0A ? 2 : 1
                    line += 1
                } else {
                    break
                }
            }
            var scanner = CSVRecordScanner(delimiter: delimiter)
            let outcome = buffer.withUnsafeBufferPointer { bytes in
                scanner.scan(bytes, from: position, atEndOfInput: endOfInput)
            }
            switch outcome {
            case .needMore:
                if !(try fill()) {
                    // fill() set endOfInput: scan again knowing nothing more comes.
                    continue
                }
                continue
            case .record(let end, let newlines):
                let startLine = line
                line += newlines
                let start = position
                position = end
                let bytes = buffer[start..<end]
                let fields = buffer.withUnsafeBufferPointer { all in
                    scanner.fields(in: UnsafeBufferPointer(rebasing: all[start..<end]))
                }
                if let bad = bytes.withContiguousStorageIfAvailable({ UTF8Check.firstInvalidOffset($0) }) ?? nil {
                    return .failure(
                        InputProblem(
                            file: displayName, line: startLine,
                            reason: "invalid UTF-8 at byte \(bad + 1) of the row" + TextEncodingCheck.hint(forInvalidByte: bytes[start + bad])))
                }
                return .success(CSVRecord(fields: fields, line: startLine))
            case .problem(let reason, let end, let newlines):
                let startLine = line
                line += newlines
                position = end
                return .failure(InputProblem(file: displayName, line: startLine, reason: reason))
            }
        }
    }
}

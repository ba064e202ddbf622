/// Finds one RFC 4180 record in a buffer and the ranges of its fields, without copying.
///
/// A record ends at LF, CRLF or a lone CR (classic Mac and some Excel exports), outside
/// quotes; inside quotes every line ending is part of the field.
struct CSVRecordScanner {
    enum Outcome {
        /// The record may go on past the buffer: read more, then scan again.
        case needMore
        /// `end` is just past the record's line ending; `newlines` the lines it spans.
        case record(end: Int, newlines: Int)
        case problem(String, end: Int, newlines: Int)
    }

    private struct Field {
        var start: Int
        var end: Int
        var quoted: Bool
        var escapedQuotes: Bool
    }

    private var fieldRanges: [Field] = []
    private var recordStart = 0
    /// The byte between fields: `,` by RFC 4180, or `input.delimiter`.
    var delimiter = UInt8(ascii: ",")

    init(delimiter: UInt8 = UInt8(ascii: ",")) {
        self.delimiter = delimiter
    }

    mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, atEndOfInput: Bool) -> Outcome {
        fieldRanges.removeAll(keepingCapacity: true)
        recordStart = start
        var index = start
        var newlines = 0
        let count = bytes.count
        while true {
            // One field starts at `index`.
            if index < count, bytes[index] == UInt8(ascii: "\"") {
                let contentStart = index + 1
                var cursor = contentStart
                var escaped = false
                var closed = false
                while cursor < count {
                    let byte = bytes[cursor]
                    if byte == UInt8(ascii: "\"") {
                        if cursor + 1 < count, bytes[cursor + 1] == UInt8(ascii: "\"") {
                            escaped = true
                            cursor += 2
                            continue
                        }
                        if cursor + 1 >= count, !atEndOfInput { return .needMore }
                        closed = true
                        break
                    }
                    if byte == 0x0A || byte == 0x0D && (cursor + 1 >= count || bytes[cursor + 1] != 0x0A) { newlines += 1 }
                    cursor += 1
                }
                guard closed else {
                    return atEndOfInput ? .problem("quoted field is never closed", end: count, newlines: newlines) : .needMore
                }
                fieldRanges.append(Field(start: contentStart - start, end: cursor - start, quoted: true, escapedQuotes: escaped))
                index = cursor + 1
                if index >= count {
                    if !atEndOfInput { return .needMore }
                    return .record(end: count, newlines: newlines)
                }
                let next = bytes[index]
                if next == delimiter {
                    index += 1
                    continue
                }
                if next == 0x0A { return .record(end: index + 1, newlines: newlines + 1) }
                if next == 0x0D {
                    if index + 1 >= count, !atEndOfInput { return .needMore }
                    if index + 1 >= count { return .record(end: count, newlines: newlines + 1) }
                    return .record(end: bytes[index + 1] == 0x0A ? index + 2 : index + 1, newlines: newlines + 1)
                }
                // Resynchronise at the next line ending: LF, CRLF or a lone CR, as a record ends.
                var skip = index
                while skip < count, bytes[skip] != 0x0A, bytes[skip] != 0x0D { skip += 1 }
                if skip >= count {
                    if !atEndOfInput { return .needMore }
                    return .problem("unexpected character after closing quote", end: count, newlines: newlines)
                }
                if bytes[skip] == 0x0D, skip + 1 >= count, !atEndOfInput { return .needMore }
                let end = bytes[skip] == 0x0D && skip + 1 < count && bytes[skip + 1] == 0x0A ? skip + 2 : skip + 1
                return .problem("unexpected character after closing quote", end: end, newlines: newlines + 1)
            }
            // An unquoted field: up to the delimiter or the line's end (LF, CRLF or CR).
            var cursor = index
            let delimiter = delimiter
            while cursor < count {
                let byte = bytes[cursor]
                if byte == delimiter || byte == 0x0A || byte == 0x0D { break }
                cursor += 1
            }
            if cursor >= count, !atEndOfInput { return .needMore }
            fieldRanges.append(Field(start: index - start, end: cursor - start, quoted: false, escapedQuotes: false))
            if cursor >= count { return .record(end: count, newlines: newlines) }
            switch bytes[cursor] {
            case 0x0A:
                return .record(end: cursor + 1, newlines: newlines + 1)
            case 0x0D:
                // CRLF, or a lone CR; at the buffer's end the next byte decides.
                if cursor + 1 >= count { return atEndOfInput ? .record(end: count, newlines: newlines + 1) : .needMore }
                return .record(end: bytes[cursor + 1] == 0x0A ? cursor + 2 : cursor + 1, newlines: newlines + 1)
            default:
                index = cursor + 1
            }
        }
    }

    /// The fields of the record just scanned, given the record's bytes.
    func fields(in record: UnsafeBufferPointer<UInt8>) -> [String] {
        fieldRanges.map { field in
            let slice = UnsafeBufferPointer(rebasing: record[field.start..<field.end])
            guard field.escapedQuotes else { return String(decoding: slice, as: UTF8.self) }
            var unescaped: [UInt8] = []
            unescaped.reserveCapacity(slice.count)
            var index = 0
            while index < slice.count {
                unescaped.append(slice[index])
                index += slice[index] == UInt8(ascii: "\"") ? 2 : 1
            }
            return String(decoding: unescaped, as: UTF8.self)
        }
    }
}

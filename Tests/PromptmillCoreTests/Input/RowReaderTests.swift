import Testing
@testable import PromptmillCore
import PromptmillTesting

/// Reading JSONL and CSV (RFC 4180), plain or gzip, with the exact words for every bad row.
@Suite struct RowReaderTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    func read(_ name: String, _ bytes: [UInt8], format: InputFormat) throws -> [String] {
        try Self.results(path: try directory.write(name, bytes), name: name, format: format, numbered: true)
    }

    /// What a reader gives for the file, one string a result: a row as its fields' JSON
    /// (after `number@line ` when `numbered`), a bad row as "bad " and its description.
    static func results(path: String, name: String, format: InputFormat, delimiter: Character = ",", numbered: Bool) throws -> [String] {
        let reader = try RowReader(path: path, format: format, displayName: name, delimiter: delimiter.asciiValue!)
        var seen: [String] = []
        while let result = try reader.next() {
            switch result {
            case .row(let row):
                var writer = JSONWriter()
                writer.value(.object(row.fields))
                seen.append((numbered ? "\(row.number)@\(row.line) " : "") + String(decoding: writer.bytes, as: UTF8.self))
            case .bad(let problem):
                seen.append("bad " + problem.description)
            }
        }
        return seen
    }

    /// RFC 4180: quoted commas, doubled quotes and newlines, CRLF, a BOM, empty lines; a row's
    /// line is the physical line where it starts.
    @Test func csvFollowsRFC4180() throws {
        let csv = "\u{FEFF}id,text\r\n1,\"a, \"\"b\"\"\r\nc\"\r\n\r\n2,plain\r\n3,\"last\""
        #expect(
            try read("a.csv", Array(csv.utf8), format: .csv) == [
                #"1@2 {"id":"1","text":"a, \"b\"\r\nc"}"#,
                #"2@5 {"id":"2","text":"plain"}"#,
                #"3@6 {"id":"3","text":"last"}"#,
            ])
    }

    /// Every line-ending convention ends a record outside quotes: LF, CRLF and a lone CR
    /// (classic Mac and some Excel exports), mixed in one file, with blank lines of each kind;
    /// inside quotes each is part of the field. Issue 13's reproduction read no row at all.
    @Test func csvEveryLineEndingEndsARecord() throws {
        #expect(
            try read("mac.csv", Array("review_id,text\r1,good kettle\r2,bad lid\r3,fine\r".utf8), format: .csv) == [
                #"1@2 {"review_id":"1","text":"good kettle"}"#,
                #"2@3 {"review_id":"2","text":"bad lid"}"#,
                #"3@4 {"review_id":"3","text":"fine"}"#,
            ])
        let mixed = "id,text\r\n1,a\r2,\"b\rc\"\r\r3,d\n\r\n4,\"e\"\r5,f"
        #expect(
            try read("mixed.csv", Array(mixed.utf8), format: .csv) == [
                #"1@2 {"id":"1","text":"a"}"#,
                #"2@3 {"id":"2","text":"b\rc"}"#,
                #"3@6 {"id":"3","text":"d"}"#,
                #"4@8 {"id":"4","text":"e"}"#,
                #"5@9 {"id":"5","text":"f"}"#,
            ])
    }

    /// A CR at the end of what has been read may be half of a CRLF: the scanner asks for more
    /// instead of ending the record there.
    @Test func csvCarriageReturnAtTheBufferEndWaitsForTheNextByte() {
        var scanner = CSVRecordScanner()
        for text in ["a,b\r", "a,\"b\"\r"] {
            let bytes = Array(text.utf8)
            let more = bytes.withUnsafeBufferPointer { scanner.scan($0, from: 0, atEndOfInput: false) }
            guard case .needMore = more else {
                Issue.record("\(text.debugDescription): \(more)")
                continue
            }
            let last = bytes.withUnsafeBufferPointer { scanner.scan($0, from: 0, atEndOfInput: true) }
            guard case .record(let end, _) = last else {
                Issue.record("\(text.debugDescription) at the end: \(last)")
                continue
            }
            #expect(end == bytes.count)
        }
    }

    /// A CSV row with more fields than the header is a bad row; reading goes on after it.
    @Test func csvExtraFieldIsBadRow() throws {
        #expect(
            try read("rows.csv", Array("a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n".utf8), format: .csv) == [
                #"1@2 {"a":"1","b":"2","c":"3"}"#,
                "bad rows.csv:3: row has 4 fields, the header has 3",
                #"3@4 {"a":"8","b":"9","c":"10"}"#,
            ])
    }

    /// Quote problems and invalid UTF-8 in CSV are named.
    @Test func csvQuoteAndEncodingProblems() throws {
        #expect(
            try read("q.csv", Array("a,b\n\"x\"y,1\n2,3\n".utf8), format: .csv) == [
                "bad q.csv:2: unexpected character after closing quote",
                #"2@3 {"a":"2","b":"3"}"#,
            ])
        let invalid = try read("u.csv", [UInt8]("a,b\n1,".utf8) + [0xC3, 0x28] + [0x0A], format: .csv)
        #expect(invalid.count == 1)
        #expect(invalid.first?.hasPrefix("bad u.csv:2: invalid UTF-8 at byte 3 of the row (byte 0xC3") == true)
        #expect(
            try read("open.csv", Array("a,b\n1,\"never closed\n2,3\n".utf8), format: .csv) == [
                "bad open.csv:2: quoted field is never closed"
            ])
    }

    /// After a bad row, reading starts again at the next line ending of any kind.
    @Test func csvResynchronisesAtEveryLineEnding() throws {
        for ending in ["\r", "\n", "\r\n"] {
            let csv = ["id,text", "1,\"a\"x", "2,b", "3,c"].joined(separator: ending) + ending
            #expect(
                try read("cr.csv", Array(csv.utf8), format: .csv) == [
                    "bad cr.csv:2: unexpected character after closing quote",
                    #"2@3 {"id":"2","text":"b"}"#, #"3@4 {"id":"3","text":"c"}"#,
                ])
        }
    }

    /// A CSV header must name every column once.
    @Test func csvHeaderProblems() throws {
        #expect(throws: InputError.badHeader(file: "h.csv", line: 1, reason: "header repeats the column \"a\" — column names must be unique")) {
            try read("h.csv", Array("a,b,a\n1,2,3\n".utf8), format: .csv)
        }
        #expect(throws: InputError.badHeader(file: "e.csv", line: 1, reason: "header column 2 is empty — give every column a name")) {
            try read("e.csv", Array("a,,c\n1,2,3\n".utf8), format: .csv)
        }
    }

    /// JSONL: blank lines are skipped but counted; each bad line is named with its reason.
    @Test func jsonlBadLinesAreNamed() throws {
        let lines = "{\"id\":1}\n\n{\"id\" 2}\n[1,2]\n{\"id\":\"\\q\"}\n{\"a\":{\"b\":[true,null,1.5e3]}}\r\n"
        #expect(
            try read("rows.jsonl", Array(lines.utf8) + [0x7B, 0x22, 0x78, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D], format: .jsonl) == [
                #"1@1 {"id":1}"#,
                "bad rows.jsonl:3: invalid JSON: expected ':' after an object key at column 7",
                "bad rows.jsonl:4: a JSONL row must be a JSON object, found an array",
                "bad rows.jsonl:5: invalid JSON: invalid escape \\q at column 8",
                #"5@6 {"a":{"b":[true,null,1.5e3]}}"#,
                "bad rows.jsonl:7: invalid UTF-8 at byte 7 of the line" + TextEncodingCheck.hint(forInvalidByte: 0xFF),
            ])
    }

    /// gzip input is told by its bytes, and a multi-member file reads as one stream.
    @Test func gzipInputIsRead() throws {
        let path = directory.path + "/rows.jsonl.gz"
        let writer = try GzipMemberWriter(path: path, appending: false)
        try writer.write(Array("{\"n\":1}\n".utf8))
        try writer.finishMember()
        try writer.write(Array("{\"n\":2}\n{\"n\":3}\n".utf8))
        try writer.close()
        let reader = try RowReader(path: path, format: .jsonl, displayName: "rows.jsonl.gz")
        var numbers: [JSONValue] = []
        while case .row(let row)? = try reader.next() { numbers.append(row.fields["n"]!) }
        #expect(numbers == [.number("1"), .number("2"), .number("3")])
    }

    /// A missing file is named, with what to check.
    @Test func missingFileIsNamed() {
        #expect(throws: InputError.cannotOpen(file: "nope.jsonl", reason: "No such file or directory")) {
            try RowReader(path: directory.path + "/nope.jsonl", format: .jsonl, displayName: "nope.jsonl")
        }
    }
}

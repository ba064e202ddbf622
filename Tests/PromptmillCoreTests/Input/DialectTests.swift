import Foundation
import Testing
@testable import PromptmillCore
import PromptmillTesting

/// CSV and JSONL as spreadsheets and other tools really write them: other delimiters,
/// other encodings, every line ending, and files with no rows.
@Suite struct DialectTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    func read(_ name: String, _ bytes: [UInt8], format: InputFormat = .csv, delimiter: Character = ",") throws -> [String] {
        try RowReaderTests.results(path: try directory.write(name, bytes), name: name, format: format, delimiter: delimiter, numbered: false)
    }

    /// Semicolons (Excel in locales with a decimal comma), tabs and pipes, with quoted
    /// fields holding the delimiter and every line ending, inside quotes and out.
    @Test(arguments: [(";", "\n"), (";", "\r\n"), (";", "\r"), ("\t", "\n"), ("\t", "\r"), ("|", "\r\n")])
    func otherDelimitersWithEveryLineEnding(delimiter: String, newline: String) throws {
        let d = delimiter
        let csv = "id\(d)text\(d)price\(newline)1\(d)\"a\(d) b\(newline)c\"\(d)3,50\(newline)2\(d)plain\(d)4\(newline)"
        #expect(
            try read("d.csv", Array(csv.utf8), delimiter: Character(d)) == [
                "{\"id\":\"1\",\"text\":\"a\(d == "\t" ? "\\t" : d) b\(newline.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n"))c\",\"price\":\"3,50\"}",
                #"{"id":"2","text":"plain","price":"4"}"#,
            ])
    }

    /// JSONL lines may end in LF, CRLF or a lone CR, mixed; a lone CR at the very end too.
    @Test func jsonlEveryLineEndingEndsALine() throws {
        let jsonl = "{\"a\":1}\r{\"a\":2}\r\n{\"a\":\"x\\ry\"}\n\r{\"a\":4}\r"
        #expect(
            try read("mac.jsonl", Array(jsonl.utf8), format: .jsonl) == [
                #"{"a":1}"#, #"{"a":2}"#, #"{"a":"x\ry"}"#, #"{"a":4}"#,
            ])
    }

    /// A header that reads as one column holding another delimiter: an error that names the
    /// delimiter and the setting.
    @Test func aHeaderInAnotherDelimiterSaysHowToSetIt() throws {
        #expect(
            throws: InputError.badHeader(
                file: "s.csv", line: 1,
                reason:
                    "the header is one column, \"review_id;text;rating\", which looks separated by ';' — set input.delimiter: \";\" in the pipeline")
        ) {
            try read("s.csv", Array("review_id;text;rating\n1;good;5\n".utf8))
        }
        #expect(throws: InputError.self) { try read("t.csv", Array("a\tb\n1\t2\n".utf8)) }
        // With the delimiter set, the same file reads.
        #expect(try read("s2.csv", Array("review_id;text\n1;good\n".utf8), delimiter: ";") == [#"{"review_id":"1","text":"good"}"#])
    }

    /// UTF-16 and UTF-32 (Excel's "Unicode text") are named, with what to do; so is Latin-1,
    /// at the row where it shows.
    @Test func otherEncodingsAreNamed() throws {
        let utf16 = [UInt8]([0xFF, 0xFE]) + Array("id,text\n1,x\n".utf8).flatMap { [$0, 0] }
        #expect(throws: InputError.notUTF8(file: "u16.csv", encoding: "UTF-16 LE")) { try read("u16.csv", utf16) }
        #expect(throws: InputError.notUTF8(file: "b16.jsonl", encoding: "UTF-16 BE")) {
            try read("b16.jsonl", [0xFE, 0xFF, 0, UInt8(ascii: "{")], format: .jsonl)
        }
        #expect(throws: InputError.notUTF8(file: "u32.csv", encoding: "UTF-32 LE")) { try read("u32.csv", [0xFF, 0xFE, 0, 0, 0x61, 0, 0, 0]) }
        // Saved without a byte-order mark, UTF-16 shows by its zero bytes.
        let bare = Array("id,text\n1,x\n".utf8)
        #expect(throws: InputError.notUTF8(file: "le.csv", encoding: "UTF-16 LE")) { try read("le.csv", bare.flatMap { [$0, 0] }) }
        #expect(throws: InputError.notUTF8(file: "be.csv", encoding: "UTF-16 BE")) { try read("be.csv", bare.flatMap { [0, $0] }) }
        // A few NUL bytes in UTF-8 text are data, not an encoding.
        #expect(try read("nul.csv", Array("id,text\n1,a\u{0}b\n".utf8)).count == 1)
        let message = InputError.notUTF8(file: "u16.csv", encoding: "UTF-16 LE").description
        #expect(message.contains("`iconv -f UTF-16LE -t UTF-8 u16.csv > utf8-u16.csv`"))
        // Gzip of UTF-16: the command unpacks, converts and packs again.
        let writer = try GzipMemberWriter(path: directory.path + "/u16.csv.gz", appending: false)
        try writer.write(utf16)
        try writer.close()
        #expect(throws: InputError.notUTF8(file: "u16.csv.gz", encoding: "UTF-16 LE", compressed: true)) {
            try RowReaderTests.results(path: directory.path + "/u16.csv.gz", name: "u16.csv.gz", format: .csv, numbered: false)
        }
        #expect(
            InputError.notUTF8(file: "u16.csv.gz", encoding: "UTF-16 LE", compressed: true).description.contains(
                "`gunzip -c u16.csv.gz | iconv -f UTF-16LE -t UTF-8 | gzip > utf8-u16.csv.gz`"))
        let latin1 = try read("l1.csv", Array("id,text\n1,caf".utf8) + [0xE9] + Array("\n2,ok\n".utf8))
        #expect(latin1.count == 2)
        #expect(latin1[0].hasPrefix("bad l1.csv:2: invalid UTF-8 at byte 6 of the row (byte 0xE9, \"é\" in Latin-1"))
        #expect(latin1[0].contains("iconv -f WINDOWS-1252 -t UTF-8"))
        let jsonl = try read("l1.jsonl", Array("{\"text\":\"caf".utf8) + [0xE9] + Array("\"}\n".utf8), format: .jsonl)
        #expect(jsonl.first?.contains("Latin-1") == true)
        // Excel's curly apostrophe in Windows-1252 is a C1 control code in Latin-1: shown as what it is.
        let quote = try read("w.csv", Array("id,text\n1,it".utf8) + [0x92] + Array("s fine\n".utf8))
        #expect(quote.first?.contains("(byte 0x92, \"\u{2019}\" in Windows-1252: the file looks saved as Latin-1 or Windows-1252") == true)
        #expect(TextEncodingCheck.hint(forInvalidByte: 0x81).contains("no common single-byte encoding"))
    }

    /// An empty file, or a header with no rows: no rows, no error.
    @Test func emptyInputsHaveNoRows() throws {
        #expect(try read("empty.csv", []) == [])
        #expect(try read("header.csv", Array("id,text\r\n".utf8)) == [])
        #expect(try read("empty.jsonl", [], format: .jsonl) == [])
        #expect(try read("blank.jsonl", Array("\n\n".utf8), format: .jsonl) == [])
    }

    /// Run end to end, an input with no rows ends with a valid gzip output that holds no
    /// lines (never a 0-byte file), a summary, and exit 0.
    @Test(arguments: ["id,text\n", ""])
    func aJobWithNoRowsWritesAValidEmptyOutput(content: String) async throws {
        let job = try RowFlowTests.Job(pipeline: RowFlowTests.pipeline().replacingOccurrences(of: "rows.jsonl", with: "rows.csv"), rows: [])
        try job.directory.write("rows.csv", content)
        let server = try await LoopbackServer.started { request, _ in RowFlowTests.echo(request) }
        let (report, records) = try await job.run(over: server)
        #expect(report.exitCode == 0)
        #expect(records.isEmpty)
        let output = job.directory.path + "/out.jsonl.gz"
        let size = try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int
        #expect(size == 20)
        #expect(try GzipMemberWriter.decompressAll(path: output).isEmpty)
        #expect(FileManager.default.fileExists(atPath: output + ".summary.json"))
        #expect(server.received.isEmpty)
    }

    /// `input.delimiter` is checked: one character, CSV only.
    @Test func theDelimiterSettingIsChecked() throws {
        try directory.write("rows.csv", "a;b\n1;2\n")
        try directory.write("rows.jsonl", "{\"a\":1}\n")
        func problems(_ input: String) throws -> [String] {
            let pipeline = """
                name: d
                input: \(input)
                endpoint: completions
                model: gpt-3.5-turbo-instruct
                prompt: "{{a}}"
                output: {path: out.jsonl.gz}
                """
            try directory.write("p.yaml", pipeline)
            do {
                _ = try PipelineLoader.load(path: directory.path + "/p.yaml", overrides: PipelineOverrides(), environment: [:], apiKey: .notNeeded)
                return []
            } catch {
                return error.problems.map(\.description)
            }
        }
        #expect(try problems("{path: rows.csv, delimiter: \";\"}") == [])
        #expect(try problems("{path: rows.csv, delimiter: tab}") == [])
        #expect(try problems("{path: rows.csv, delimiter: \";;\"}").first?.contains("input.delimiter must be one character") == true)
        #expect(try problems("{path: rows.jsonl, delimiter: \";\"}").first?.contains("input.delimiter applies to CSV input only") == true)
    }
}

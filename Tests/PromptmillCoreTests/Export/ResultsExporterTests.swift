import Foundation
import PromptmillTesting
import Testing

@testable import PromptmillCore

/// `promptmill export` on jobs made by hand: one row per input row in input order, the
/// answer's columns, statuses, names that clash, CSV quoting and JSONL.
@Suite struct ResultsExporterTests {
    typealias Fixture = ExportFixture

    /// Cells holding a comma, a quote, a CR or an LF are quoted with quotes doubled, lines end
    /// with CRLF, and Python's csv module reads every cell back as it was.
    @Test func csvQuotesCommasQuotesAndLineBreaks() throws {
        let job = try Fixture()
        defer { job.directory.remove() }
        let texts = ["plain", "a, b", "say \"hi\"", "two\nlines", "cr\rhere", "crlf\r\nhere", " spaced ", "🔥 ünï"]
        var writer = JSONWriter()
        for (index, text) in texts.enumerated() {
            writer.raw("{\"id\":\"r\(index + 1)\",\"text\":")
            writer.string(text)
            writer.raw("}\n")
        }
        try job.directory.write("rows.jsonl", writer.bytes)
        try job.pipeline(input: "rows.jsonl")
        try job.output(texts.indices.reversed().map { Fixture.record("r\($0 + 1)", output: "label, \"\($0 + 1)\"") })
        let (text, summary) = try job.export(.csv)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines[0] == "id,text,status,output,finish_reason,error_type,error_message,cost_usd,cached")
        #expect(lines[1] == "r1,plain,succeeded,\"label, \"\"1\"\"\",stop,,,0.0000635,false")
        #expect(lines[2] == "r2,\"a, b\",succeeded,\"label, \"\"2\"\"\",stop,,,0.0000635,false")
        #expect(lines[3] == "r3,\"say \"\"hi\"\"\",succeeded,\"label, \"\"3\"\"\",stop,,,0.0000635,false")
        #expect(text.contains("r4,\"two\nlines\",succeeded"))
        #expect(text.contains("r5,\"cr\rhere\",succeeded"))
        #expect(text.hasSuffix("\r\n"))
        #expect(summary.rows == 8 && summary.succeeded == 8)
        let rows = try Fixture.pythonRows(job.directory.path + "/export.csv")
        #expect(rows.count == 9)
        #expect(rows.dropFirst().map { $0[1] } == texts)
        #expect(rows.dropFirst().map { $0[3] } == texts.indices.map { "label, \"\($0 + 1)\"" })
    }

    /// A structured answer's `json` becomes columns: nested objects with dotted names, arrays
    /// and empty objects as JSON text; `output` is left out when every answer has `json`.
    @Test func structuredAnswersFlattenToDottedColumns() throws {
        let job = try Fixture()
        defer { job.directory.remove() }
        try job.directory.write("rows.csv", "id,text\nr1,great\nr2,awful\nr3,meh\n")
        try job.pipeline(input: "rows.csv")
        try job.output([
            Fixture.record(
                "r2", output: "{}", json: "{\"label\":\"negative\",\"meta\":{\"score\":0.1,\"tags\":[\"x\",\"y\"],\"note\":null},\"extra\":{}}"),
            Fixture.record("r3", error: "schema_mismatch"),
            Fixture.record("r1", output: "{}", json: "{\"label\":\"positive\",\"meta\":{\"score\":0.9,\"tags\":[],\"note\":\"a, b\"},\"extra\":{}}"),
        ])
        let (text, _) = try job.export(.csv)
        let rows = try Fixture.pythonRows(job.directory.path + "/export.csv")
        #expect(
            rows[0] == [
                "id", "text", "status", "label", "meta.score", "meta.tags", "meta.note", "extra", "finish_reason", "error_type",
                "error_message", "cost_usd", "cached",
            ])
        #expect(rows[1] == ["r1", "great", "succeeded", "positive", "0.9", "[]", "a, b", "{}", "stop", "", "", "0.0000635", "false"])
        #expect(rows[2] == ["r2", "awful", "succeeded", "negative", "0.1", "[\"x\",\"y\"]", "", "{}", "stop", "", "", "0.0000635", "false"])
        #expect(
            rows[3] == ["r3", "meh", "failed", "", "", "", "", "", "", "schema_mismatch", "the schema_mismatch message", "0", "false"])
        #expect(!text.contains(",output,"))

        let (jsonl, _) = try job.export(.jsonl)
        let objects = try Fixture.objects(jsonl)
        #expect(objects[1]["meta.tags"] == .array([.string("x"), .string("y")]))
        #expect(objects[1]["meta.score"] == .number("0.1"))
        #expect(objects[0]["extra"] == .object(JSONObject()))
    }

    /// A row with no record is `pending`; a row the rejects file names, and a row the reader
    /// cannot read, are `rejected` with the reason and the input's line in `error_message`.
    @Test func rowsWithoutRecordArePendingOrRejected() throws {
        let job = try Fixture()
        defer { job.directory.remove() }
        try job.directory.write("rows.csv", "id,text\nr1,one\nr2,two,extra\nr3,\nr4,four\nr5,five\n")
        try job.pipeline(input: "rows.csv")
        try job.directory.write(
            "out/job.rejects.jsonl",
            "{\"file\":\"rows.csv\",\"line\":3,\"reason\":\"row has 3 fields, the header has 2\"}\n"
                + "{\"file\":\"rows.csv\",\"line\":4,\"reason\":\"the template needs {{text}}, which is empty\"}\n")
        try job.output([Fixture.record("r5", output: "five!"), Fixture.record("r1", output: "one!")])
        let (_, summary) = try job.export(.csv)
        let rows = try Fixture.pythonRows(job.directory.path + "/export.csv")
        #expect(rows.map { $0[2] } == ["status", "succeeded", "rejected", "rejected", "pending", "succeeded"])
        #expect(rows[2] == ["", "", "rejected", "", "", "", job.directory.path + "/rows.csv:3: row has 3 fields, the header has 2", "", ""])
        #expect(rows[3][0...2] == ["r3", "", "rejected"])
        #expect(rows[3][6] == job.directory.path + "/rows.csv:4: the template needs {{text}}, which is empty")
        #expect(rows[4] == ["r4", "four", "pending", "", "", "", "", "", ""])
        #expect(rows[5][3] == "five!")
        #expect((summary.rows, summary.succeeded, summary.pending, summary.rejected) == (5, 2, 1, 2))
    }

    /// Answer columns whose names the input has get `_answer` appended until unique; input
    /// columns keep their names.
    @Test func answerColumnsClashingWithInputColumnsGetASuffix() throws {
        let job = try Fixture()
        defer { job.directory.remove() }
        try job.directory.write("rows.jsonl", "{\"id\":\"a\",\"text\":\"t\",\"output\":\"mine\",\"status\":\"vip\",\"output_answer\":1}\n")
        try job.pipeline(input: "rows.jsonl")
        try job.output([Fixture.record("a", output: "theirs")])
        let (text, summary) = try job.export(.csv)
        let expected = [
            "id", "text", "output", "status", "output_answer", "status_answer", "output_answer_answer", "finish_reason", "error_type",
            "error_message", "cost_usd", "cached",
        ]
        #expect(summary.columns == expected)
        #expect(text == expected.joined(separator: ",") + "\r\na,t,mine,vip,1,succeeded,theirs,stop,,,0.0000635,false\r\n")
        let (jsonl, _) = try job.export(.jsonl)
        let object = try #require(try Fixture.objects(jsonl).first)
        #expect(object.keys == expected)
        #expect(object["output"] == .string("mine") && object["output_answer_answer"] == .string("theirs"))
    }

    /// A schema whose fields are named like the export's own columns: those columns keep
    /// their names and meanings (`cost_usd` is the row's cost), the fields become `json.NAME`.
    @Test func structuredFieldsNeverTakeTheExportsOwnColumns() throws {
        let job = try Fixture()
        defer { job.directory.remove() }
        try job.directory.write("rows.csv", "id,text\nr1,great\n")
        try job.pipeline(input: "rows.csv")
        try job.output([Fixture.record("r1", output: "{}", json: "{\"status\":\"ok\",\"cost_usd\":78,\"label\":\"positive\"}")])
        let (_, summary) = try job.export(.csv)
        #expect(
            summary.columns == [
                "id", "text", "status", "json.status", "json.cost_usd", "label", "finish_reason", "error_type", "error_message", "cost_usd",
                "cached",
            ])
        let rows = try Fixture.pythonRows(job.directory.path + "/export.csv")
        #expect(rows[1] == ["r1", "great", "succeeded", "ok", "78", "positive", "stop", "", "", "0.0000635", "false"])
    }

    /// `--bom`: a UTF-8 byte order mark first (for Excel), then the same file; Python reads
    /// it with `utf-8-sig` as the same rows.
    @Test func aByteOrderMarkForExcel() throws {
        let job = try Fixture()
        defer { job.directory.remove() }
        try job.directory.write("rows.csv", "id,text\nr1,très bien 👍\n")
        try job.pipeline(input: "rows.csv")
        try job.output([Fixture.record("r1", output: "positive")])
        let path = job.directory.path + "/excel.csv"
        _ = try ResultsExporter(configuration: try job.configuration, options: .init(format: .csv, destination: path, byteOrderMark: true)).export()
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF, UInt8(ascii: "i"), UInt8(ascii: "d")]))
        let rows = try Fixture.python(
            "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8-sig')))))", [path])
        #expect(rows.contains("[\"id\", \"text\", \"status\"") && rows.contains("tr\\u00e8s bien"))
    }

    /// JSONL: each row's own input fields as they are, then the answer's names with their JSON
    /// types (numbers, booleans, null for a pending row), one object a line.
    @Test func jsonlKeepsEachRowsFieldsAndTypes() throws {
        let job = try Fixture()
        defer { job.directory.remove() }
        try job.directory.write(
            "rows.jsonl", "{\"id\":1,\"text\":\"x\",\"meta\":{\"k\":[1,2]}}\n{\"id\":2,\"text\":\"y\",\"lang\":\"fr\"}\n{\"id\":3,\"text\":\"z\"}\n")
        try job.pipeline(input: "rows.jsonl")
        try job.output([Fixture.record("2", output: "b"), Fixture.record("1", output: "a")])
        let (text, summary) = try job.export(.jsonl)
        let objects = try Fixture.objects(text)
        #expect(objects.count == 3)
        let answer = ["status", "output", "finish_reason", "error_type", "error_message", "cost_usd", "cached"]
        #expect(objects[0].keys == ["id", "text", "meta"] + answer)
        #expect(objects[0]["meta"] == .object(JSONObject(keys: ["k"], values: [.array([.number("1"), .number("2")])])))
        #expect(objects[1].keys == ["id", "text", "lang"] + answer)
        #expect(objects[1]["cost_usd"] == .number("0.0000635") && objects[1]["cached"] == .bool(false))
        #expect(objects[2]["status"] == .string("pending") && objects[2]["output"] == .null && objects[2]["cost_usd"] == .null)
        #expect(summary.columns == answer)
        // The CSV of the same job: every field met, in the order first met; a nested value as JSON text.
        let (csv, _) = try job.export(.csv)
        #expect(csv.hasPrefix("id,text,meta,lang,status,"))
        #expect(csv.contains("\r\n1,x,\"{\"\"k\"\":[1,2]}\",,succeeded,a,"))
    }

    /// Without `input.id` a row's id is its number, counting bad rows as the run does and not
    /// blank lines, so each row finds the record the run wrote for it.
    @Test func defaultIDIsTheRowNumberAsTheRunCountsIt() throws {
        let job = try Fixture()
        defer { job.directory.remove() }
        try job.directory.write("rows.jsonl", "{\"text\":\"one\"}\n\n{\"text\":\"two\"}\nnot json\n{\"text\":\"four\"}\n")
        try job.pipeline(input: "rows.jsonl", id: nil)
        try job.output([Fixture.record("4", output: "FOUR"), Fixture.record("1", output: "ONE"), Fixture.record("2", output: "TWO")])
        let (text, _) = try job.export(.jsonl)
        let objects = try Fixture.objects(text)
        #expect(objects.map { $0["output"] } == [.string("ONE"), .string("TWO"), .null, .string("FOUR")])
        #expect(objects[2]["status"] == .string("rejected"))
        #expect(objects[2].string("error_message")?.hasPrefix(job.directory.path + "/rows.jsonl:4: invalid JSON") == true)
    }

    /// A record goes to the first row with its id: a later row with the same id (not yet in
    /// the rejects file) is rejected as a duplicate, never given the same answer.
    @Test func aRecordJoinsOneRowOnly() throws {
        let job = try Fixture()
        defer { job.directory.remove() }
        try job.directory.write("rows.csv", "id,text\na,first\nb,other\na,again\n")
        try job.pipeline(input: "rows.csv")
        try job.output([Fixture.record("a", output: "A"), Fixture.record("b", output: "B"), Fixture.record("zz", output: "lost")])
        let (_, summary) = try job.export(.csv)
        let rows = try Fixture.pythonRows(job.directory.path + "/export.csv")
        #expect(rows.map { $0[2] } == ["status", "succeeded", "succeeded", "rejected"])
        #expect(rows[3][3] == "")
        #expect(rows[3][6] == job.directory.path + "/rows.csv:4: duplicate id 'a' — an earlier row has it and its record")
        #expect(summary.unmatchedRecords == 1)
        #expect(
            summary.notes == [
                "1 record of the output match no row of the input by id, and are not in the export — did the input change since the run?"
            ]
        )
    }

    /// Only the bytes given are read: a member cut off after them (a run writing, or killed
    /// mid-member) adds nothing; read whole, the cut member is an error.
    @Test func onlyTheCommittedBytesAreRead() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/job.jsonl.gz"
        let writer = try GzipMemberWriter(path: path, appending: false)
        try writer.write(Array("{\"id\":\"1\"}\n{\"id\":\"2\"}\n".utf8))
        let committed = try writer.finishMember()
        try writer.write(Array("{\"id\":\"3\"}\n".utf8))
        let whole = try writer.finishMember()
        try writer.close()
        // Cut the second member in the middle.
        #expect(truncate(path, off_t(committed + (whole - committed) / 2)) == 0)
        var lines: [String] = []
        try OutputRecordLines(path: path, length: committed).forEach { lines.append(String(decoding: $0, as: UTF8.self)) }
        #expect(lines == ["{\"id\":\"1\"}", "{\"id\":\"2\"}"])
        #expect(throws: InputError.self) { try OutputRecordLines(path: path, length: nil).forEach { _ in } }
    }

    /// A job without an output: the message names the file and the command to run first.
    @Test func noOutputYetSaysRunFirst() throws {
        let job = try Fixture()
        defer { job.directory.remove() }
        try job.directory.write("rows.csv", "id,text\na,b\n")
        try job.pipeline(input: "rows.csv")
        let configuration = try job.configuration
        let error = #expect(throws: ExportError.self) {
            try ResultsExporter(configuration: configuration, options: .init(format: .csv, destination: job.directory.path + "/x.csv")).export()
        }
        #expect(
            error?.description
                == "no output at \(job.directory.path)/out/job.jsonl.gz yet — run `promptmill run \(job.directory.path)/pipeline.yaml` first (or pass the run's --output as --job-output)"
        )
        #expect(!FileManager.default.fileExists(atPath: job.directory.path + "/x.csv"))
    }

    /// The file is replaced whole: a new one is 0600 like the job's output, an existing one
    /// keeps its mode, and neither the temporary file nor the index is left behind.
    @Test func theFileIsReplacedWholeAndNothingIsLeftBehind() throws {
        let job = try Fixture()
        defer { job.directory.remove() }
        try job.directory.write("rows.csv", "id,text\na,b\n")
        try job.pipeline(input: "rows.csv")
        try job.output([Fixture.record("a", output: "A")])
        let fresh = job.directory.path + "/fresh.csv"
        _ = try ResultsExporter(configuration: try job.configuration, options: .init(format: .csv, destination: fresh)).export()
        #expect(try FileManager.default.attributesOfItem(atPath: fresh)[.posixPermissions] as? Int == 0o600)
        let shared = try job.directory.write("shared.csv", "old contents\n")
        #expect(chmod(shared, 0o644) == 0)
        _ = try ResultsExporter(configuration: try job.configuration, options: .init(format: .csv, destination: shared)).export()
        #expect(try FileManager.default.attributesOfItem(atPath: shared)[.posixPermissions] as? Int == 0o644)
        #expect(try String(contentsOfFile: shared, encoding: .utf8).hasPrefix("id,text,status,"))
        let left =
            try FileManager.default.contentsOfDirectory(atPath: job.directory.path)
            + FileManager.default.contentsOfDirectory(atPath: job.directory.path + "/out")
        #expect(left.filter { $0.hasPrefix(".") }.isEmpty, "left behind: \(left)")
    }
}

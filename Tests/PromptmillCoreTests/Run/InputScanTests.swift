import Testing
import PromptmillCore
import PromptmillTesting

/// What `validate` reports about rows, word for word: every bad row with its file and line,
/// then what to do.
@Suite struct InputScanTests {
    static let pipeline = """
        name: scan
        input: {path: rows.jsonl, id: id}
        endpoint: completions
        model: gpt-3.5-turbo-instruct
        prompt: "Label: {{text}}"
        output: {path: out.jsonl.gz}
        """

    /// A duplicate id and a row without the template's field are both found before anything is sent.
    @Test func findsDuplicateIdsAndMissingFields() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write(
            "rows.jsonl",
            """
            {"id":"a","text":"one"}
            {"id":"b","txt":"two"}
            {"id":"a","text":"three"}
            {"id":"c","text":"four"}
            """)
        let path = try directory.write("pipeline.yaml", Self.pipeline)
        let configuration = try PipelineLoader.load(path: path, environment: [:])
        let scan = try InputScan.scan(configuration)
        #expect(scan.rows == 2)
        #expect(scan.badRows == 2)
        let file = configuration.input.displayPath
        #expect(
            BadRowsError(scan: scan).description == """
                \(file):2: the template inserts 'text', which this row does not have — did you mean 'txt'?
                \(file):3: duplicate id 'a' (first on line 1) — ids in input.id must be unique
                2 bad rows: nothing was sent — fix the input, or set input.on_bad_row: skip to leave such rows out
                """)
    }

    /// A row without the id field is a bad row that names the field.
    @Test func missingIdFieldIsNamed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("rows.jsonl", "{\"text\":\"no id\"}\n")
        let configuration = try PipelineLoader.load(path: try directory.write("pipeline.yaml", Self.pipeline), environment: [:])
        let scan = try InputScan.scan(configuration)
        #expect(scan.problems.map(\.reason) == ["the row has no id field 'id' (input.id)"])
    }
}

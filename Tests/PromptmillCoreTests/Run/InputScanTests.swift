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

    /// Ids are kept as fingerprints, and read again only when one repeats: 20,000 distinct ids
    /// give no bad row, and the repeats of two of them are found with their first lines.
    @Test func repeatsAmongManyIdsAreFoundWithTheirFirstLines() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let rows = (1...20_000).map { "{\"id\":\"id-\($0)\",\"text\":\"t\"}\n" }.joined()
        try directory.write("rows.jsonl", rows + "{\"id\":\"id-7\",\"text\":\"t\"}\n{\"id\":\"id-19999\",\"text\":\"t\"}\n")
        let configuration = try PipelineLoader.load(path: try directory.write("pipeline.yaml", Self.pipeline), environment: [:])
        let scan = try InputScan.scan(configuration)
        #expect(scan.rows == 20_000)
        #expect(scan.badRows == 2)
        #expect(scan.duplicates == [20_001: 7, 20_002: 19_999])
        #expect(scan.problems.map(\.line) == [20_001, 20_002])
    }
}

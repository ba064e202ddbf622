import Foundation
import Testing
import PromptmillCore
import PromptmillTesting

/// Inputs that `scripts/fuzz` found, made small, so what they showed stays true.
@Suite struct FuzzRegressionTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// A gzip CSV that holds more rows than it has bytes (the fuzzer's 1,271 bytes inflated to
    /// 1,826 CRLF lines) is read to its end, every row numbered and on its own line.
    @Test func gzipInputWithMoreRowsThanBytesIsReadToTheEnd() throws {
        let path = directory.path + "/rows.csv.gz"
        let writer = try GzipMemberWriter(path: path, appending: false)
        try writer.write(Array(("id,text\r\n" + String(repeating: "r,\"P,text\r\n\"\r\n", count: 2_000)).utf8))
        try writer.close()
        let compressed = try #require(FileManager.default.contents(atPath: path))
        #expect(compressed.count < 2_000)
        let reader = try RowReader(path: path, format: .csv, displayName: "rows.csv.gz")
        var rows: [InputRow] = []
        while case .row(let row)? = try reader.next() { rows.append(row) }
        #expect(rows.count == 2_000)
        #expect(rows.last?.number == 2_000)
        #expect(rows.last?.line == 2 + 1_999 * 2)
        #expect(rows.last?.fields["text"] == .string("P,text\r\n"))
    }
}

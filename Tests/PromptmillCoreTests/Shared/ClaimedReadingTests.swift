import Foundation
import PromptmillTesting
import Testing

@testable import PromptmillCore

/// Workers of a shared job read only the chunks of rows they claim: every row, and every
/// bad row, is handed to exactly one chunk, whatever order the chunks are claimed in.
@Suite struct ClaimedReadingTests {
    static let pipeline = """
        name: claimed
        input: {path: rows.jsonl, id: id, on_bad_row: skip}
        endpoint: completions
        model: gpt-3.5-turbo-instruct
        prompt: "Label: {{text}}"
        output: {path: out.jsonl.gz}
        """

    /// Ten rows; line 4 is not JSON (row 4), line 8 lacks the template's field (row 8).
    static let input =
        (1...10).map { number in
            switch number {
            case 4: "{broken"
            case 8: "{\"id\":\"r8\"}"
            default: "{\"id\":\"r\(number)\",\"text\":\"row \(number)\"}"
            }
        }.joined(separator: "\n") + "\n"

    func configuration(_ directory: TemporaryDirectory) throws -> PipelineConfiguration {
        try directory.write("rows.jsonl", Self.input)
        return try PipelineLoader.load(path: try directory.write("pipeline.yaml", Self.pipeline), environment: [:])
    }

    /// What reading `chunk` hands out: row ids, and "bad@LINE" for bad rows.
    func read(_ chunk: Range<Int>, with preparer: inout RowPreparer, skip: RowSet? = nil) throws -> [String] {
        var seen: [String] = []
        while let next = try preparer.next(skipping: skip, within: chunk) {
            switch next {
            case .row(let row): seen.append(row.id)
            case .bad(let problem): seen.append("bad@\(problem.line)")
            }
        }
        return seen
    }

    @Test func chunksInOrderOnOneReaderSplitTheRowsExactly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var preparer = try RowPreparer(configuration: try configuration(directory))
        // The broken line (row 4) belongs to the chunk of the row before it.
        #expect(try read(1..<4, with: &preparer) == ["r1", "r2", "r3", "bad@4"])
        #expect(preparer.nextRowNumber == 5)
        #expect(try read(4..<8, with: &preparer) == ["r5", "r6", "r7"])
        #expect(try read(8..<11, with: &preparer) == ["bad@8", "r9", "r10"])
        #expect(try read(11..<20, with: &preparer) == [])
    }

    @Test func eachChunkReadAloneByAnotherWorkerGivesTheSameSplit() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configuration = try configuration(directory)
        var everything: [String] = []
        // Claimed out of order, each by a worker that reads the input from the start.
        for chunk in [8..<11, 1..<4, 4..<8] {
            var preparer = try RowPreparer(configuration: configuration)
            everything += try read(chunk, with: &preparer)
        }
        #expect(everything.sorted() == ["bad@4", "bad@8", "r1", "r10", "r2", "r3", "r5", "r6", "r7", "r9"])
    }

    @Test func recordedRowsOfAClaimedChunkArePassedOver() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var preparer = try RowPreparer(configuration: try configuration(directory))
        var recorded = RowSet()
        recorded.insert(5)
        recorded.insert(7)
        #expect(try read(4..<8, with: &preparer, skip: recorded) == ["r6"])
    }
}

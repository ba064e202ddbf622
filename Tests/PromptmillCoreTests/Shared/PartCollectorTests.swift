import Foundation
import PromptmillTesting
import Testing

@testable import PromptmillCore

/// A shared job's output is its workers' committed parts joined: bytes past a part's last
/// commit (a killed worker's) are left out, a row two parts hold is written once, and a job
/// with no records still gets a valid gzip file.
@Suite struct PartCollectorTests {
    /// Writes a part of one member per group of ids; returns it with the end of the members
    /// listed in `committed` (how many groups were committed).
    func part(_ directory: TemporaryDirectory, run: Int64, groups: [[(row: Int, id: String)]], committed: Int) throws -> OutputPart {
        let path = directory.path + "/part-\(run).jsonl.gz"
        let writer = try GzipMemberWriter(path: path, appending: false)
        var end: UInt64 = 0
        var rows = RowRanges()
        for (index, group) in groups.enumerated() {
            try writer.write(Array(group.map { "{\"id\":\"\($0.id)\",\"output\":\"x\"}\n" }.joined().utf8))
            let size = try writer.finishMember()
            if index < committed {
                end = size
                for entry in group { rows.append(entry.row) }
            }
        }
        try writer.sync()
        return OutputPart(run: run, path: path, committedEnd: end, rows: rows)
    }

    func ids(_ path: String) throws -> [String] {
        try GzipMemberWriter.decompressAll(path: path).split(separator: UInt8(ascii: "\n")).map { line in
            guard case .object(let object) = try Array(line).withUnsafeBytes({ try JSONParser.parse($0) }), case .string(let id)? = object["id"]
            else { return "?" }
            return id
        }
    }

    @Test func committedBytesOfEveryPartAndNothingElse() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try part(directory, run: 1, groups: [[(1, "a"), (2, "b")], [(3, "c")]], committed: 2)
        // A killed worker: its second member was written but never committed.
        let second = try part(directory, run: 2, groups: [[(4, "d")], [(5, "e")]], committed: 1)
        let output = directory.path + "/out/job.jsonl.gz"
        let result = try PartCollector.collect([first, second], into: output)
        #expect(result == PartCollector.Result(records: 4, repeated: 0))
        #expect(try ids(output) == ["a", "b", "c", "d"])
    }

    @Test func aRowTwoPartsHoldIsWrittenOnce() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try part(directory, run: 1, groups: [[(1, "a"), (2, "b")]], committed: 1)
        let second = try part(directory, run: 2, groups: [[(2, "b"), (3, "c")]], committed: 1)
        let output = directory.path + "/job.jsonl.gz"
        let result = try PartCollector.collect([first, second], into: output)
        #expect(result == PartCollector.Result(records: 3, repeated: 1))
        #expect(try ids(output) == ["a", "b", "c"])
    }

    @Test func noRecordsStillMakeAValidGzipFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let output = directory.path + "/job.jsonl.gz"
        #expect(try PartCollector.collect([], into: output).records == 0)
        #expect(try GzipMemberWriter.decompressAll(path: output).isEmpty)
        let size = try FileManager.default.attributesOfItem(atPath: output)[.size] as? UInt64
        #expect(size == 20)
    }

    @Test func aPartShorterThanItsCommitsIsAnErrorNamingIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var first = try part(directory, run: 7, groups: [[(1, "a")]], committed: 1)
        first.committedEnd += 100
        #expect {
            try PartCollector.collect([first], into: directory.path + "/job.jsonl.gz")
        } throws: { error in
            "\(error)".contains("part-7.jsonl.gz") && "\(error)".contains("run 7")
        }
        first.path += ".missing"
        #expect {
            try PartCollector.collect([first], into: directory.path + "/job.jsonl.gz")
        } throws: { error in
            "\(error)".contains("shared output folder")
        }
    }
}

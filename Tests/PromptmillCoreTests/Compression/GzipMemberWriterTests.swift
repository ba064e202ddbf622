import Foundation
import Testing
import PromptmillCore
import PromptmillTesting

@Suite struct GzipMemberWriterTests {
    /// Every finished member leaves a valid gzip file that the system's gzip reads whole.
    @Test func membersMakeOneValidStream() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/out.jsonl.gz"
        let writer = try GzipMemberWriter(path: path, appending: false)
        var expected = ""
        for member in 0..<3 {
            let text = (0..<1000).map { "{\"member\":\(member),\"row\":\($0)}\n" }.joined()
            try writer.write(Array(text.utf8))
            try writer.finishMember()
            expected += text
        }
        try writer.close()
        #expect(String(decoding: try GzipMemberWriter.decompressAll(path: path), as: UTF8.self) == expected)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "gzip -t '\(path)' && gzip -dc '\(path)' | wc -l"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(
            String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "3000"
        )
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    /// Appending adds members after the ones already there.
    @Test func appendingKeepsEarlierMembers() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/a.gz"
        let first = try GzipMemberWriter(path: path, appending: false)
        try first.write(Array("one\n".utf8))
        try first.close()
        let second = try GzipMemberWriter(path: path, appending: true)
        try second.write(Array("two\n".utf8))
        try second.close()
        #expect(String(decoding: try GzipMemberWriter.decompressAll(path: path), as: UTF8.self) == "one\ntwo\n")
    }
}

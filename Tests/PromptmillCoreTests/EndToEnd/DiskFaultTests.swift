import Foundation
import Testing
@testable import PromptmillCore
import PromptmillTesting

#if canImport(Glibc)
import Glibc
#endif

/// A tmpfs mounted for one test: a real full disk or read-only folder.
enum Tmpfs {
    /// Mounts a tmpfs of `kilobytes` at a new folder (read-only with `readOnly`).
    static func mount(kilobytes: Int, readOnly: Bool = false) throws -> String {
        let point = FileManager.default.temporaryDirectory.appendingPathComponent("promptmill-tmpfs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: point, withIntermediateDirectories: true)
        let options = "size=\(kilobytes)k" + (readOnly ? ",ro" : "")
        guard Glibc.mount("tmpfs", point, "tmpfs", 0, options) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))])
        }
        return point
    }

    static func unmount(_ point: String) {
        _ = Glibc.umount(point)
        try? FileManager.default.removeItem(atPath: point)
    }

    static let canMount: Bool = {
        guard geteuid() == 0, let point = try? mount(kilobytes: 16) else { return false }
        unmount(point)
        return true
    }()
}

/// A full disk and a read-only output folder, made for real: a small tmpfs mounted by the
/// test (it needs root, as CI has; elsewhere the suite is skipped and says so).
@Suite(.enabled(if: Tmpfs.canMount, "mounting a tmpfs needs root")) struct DiskFaultTests {
    /// The disk fills while the output is written: the run stops with the system's reason
    /// and what to do, after the requests in flight have come back; after room is made the
    /// same command finishes the job, every row once, and nothing already answered is
    /// asked again: the two runs send the 150 batches once.
    @Test func aFullDiskStopsTheRunAndLosesNothing() async throws {
        let mountPoint = try Tmpfs.mount(kilobytes: 256)
        defer { Tmpfs.unmount(mountPoint) }
        // Leave about 8 KB: less than the output needs.
        let filler = mountPoint + "/filler"
        try Data(count: 248 * 1024).write(to: URL(fileURLWithPath: filler))
        let rows = (0..<3000).map { "row \($0) with some words to make the output grow past what is left" }
        let pipeline = RowFlowTests.pipeline().replacingOccurrences(of: "out.jsonl.gz", with: mountPoint + "/out.jsonl.gz")
        let job = try RowFlowTests.Job(pipeline: pipeline, rows: rows)
        let server = try await LoopbackServer.started { request, _ in RowFlowTests.echo(request) }
        do {
            _ = try await job.run(over: server)
            Issue.record("the run should have failed on the full disk")
        } catch let error as OutputError {
            #expect(error.description.contains("No space left on device"))
            #expect(error.description.contains("run the same command again"))
        }
        let requests = server.received.count
        try FileManager.default.removeItem(atPath: filler)
        let (report, records) = try await job.run(over: server)
        #expect(report.complete)
        #expect(records.count == 3000)
        #expect(Set(records.compactMap { if case .string(let id)? = $0["id"] { id } else { nil } }).count == 3000)
        #expect(server.received.count >= requests)
        #expect(server.received.count == 150)
    }

    /// A read-only output folder: the run stops before anything is sent, naming the path
    /// and the reason.
    @Test func aReadOnlyOutputFolderIsNamed() async throws {
        let mountPoint = try Tmpfs.mount(kilobytes: 64, readOnly: true)
        defer { Tmpfs.unmount(mountPoint) }
        let pipeline = RowFlowTests.pipeline().replacingOccurrences(of: "out.jsonl.gz", with: mountPoint + "/out.jsonl.gz")
        let job = try RowFlowTests.Job(pipeline: pipeline, rows: ["a", "b"])
        let server = try await LoopbackServer.started { request, _ in RowFlowTests.echo(request) }
        do {
            _ = try await job.run(over: server)
            Issue.record("the run should have failed on the read-only folder")
        } catch let error as OutputError {
            #expect(error.description.contains(mountPoint + "/out.jsonl.gz"))
            #expect(error.description.contains("Read-only file system"))
        }
        #expect(server.received.isEmpty)
    }
}

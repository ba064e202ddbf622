import Foundation

/// Writes rows skipped under `on_bad_row: skip` to `OUTPUT.rejects.jsonl`, one JSON object
/// a line: `{"file","line","reason","raw"}`. The file is only created when a row is rejected.
final class RejectsFileWriter {
    private let path: String
    private var handle: FileHandle?
    private var writer = JSONWriter(capacity: 4096)
    private(set) var count = 0

    init(path: String) {
        self.path = path
        try? FileManager.default.removeItem(atPath: path)
    }

    func append(_ problem: InputProblem) throws {
        if handle == nil {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
                let opened = FileHandle(forWritingAtPath: path)
            else {
                throw OutputError.cannotCreate(path: path, reason: String(cString: strerror(errno)))
            }
            handle = opened
        }
        writer.removeAll()
        writer.raw("{")
        writer.key("file")
        writer.string(problem.file)
        writer.raw(",")
        writer.key("line")
        writer.number(problem.line)
        writer.raw(",")
        writer.key("reason")
        writer.string(problem.reason)
        writer.raw("}\n")
        try handle?.write(contentsOf: writer.bytes)
        count += 1
    }

    func close() throws {
        try handle?.close()
        handle = nil
    }
}

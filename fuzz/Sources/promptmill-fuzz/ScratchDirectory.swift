#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A private folder in `$TMPDIR` where an input becomes a file, since `RowReader` and
/// `PipelineLoader` read from a path. It holds `pipelines/` and `samples/` so that a pipeline's
/// `path: ../samples/reviews.csv` names a file that exists, as in the repository.
struct ScratchDirectory: Sendable {
    static let shared = ScratchDirectory()

    let path: String

    private init() {
        let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/promptmill-fuzz-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            fatalError("cannot make a scratch folder in \(base): \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
        for folder in ["pipelines", "samples"] { mkdir("\(path)/\(folder)", 0o700) }
        Self.store(Array("review_id,product,rating,text\nr-1,kettle,5,\"Boils fast, \"\"quiet\"\"\"\n".utf8), to: "\(path)/samples/reviews.csv")
        Self.store(Array(#"{"id": "a-1", "title": "T", "body": "B", "author": {"name": "Ana"}}"#.utf8), to: "\(path)/samples/articles.jsonl")
        atexit { ScratchDirectory.shared.remove() }
    }

    /// Writes `bytes` to `name` in the folder, replacing what was there; returns the path.
    func place(_ bytes: UnsafeRawBufferPointer, as name: String) -> String {
        let file = "\(path)/\(name)"
        Self.store(Array(bytes), to: file)
        return file
    }

    private static func store(_ bytes: [UInt8], to file: String) {
        let descriptor = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { fatalError("cannot write \(file): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var written = 0
        bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let count = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                guard count > 0 else { fatalError("cannot write \(file): \(String(cString: strerror(errno)))") }
                written += count
            }
        }
    }

    private func remove() {
        for file in ["input.csv", "input.jsonl", "pipelines/fuzz.yaml", "samples/reviews.csv", "samples/articles.jsonl"] {
            unlink("\(path)/\(file)")
        }
        for folder in ["pipelines", "samples", ""] { rmdir("\(path)/\(folder)") }
    }
}

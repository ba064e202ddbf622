import Foundation

/// Buffered writes to a file, for generating benchmark data.
struct FileWriter {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private(set) var written = 0

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw BenchmarkError.usage("cannot write \(path)")
        }
        self.handle = handle
        buffer.reserveCapacity(1 << 20)
    }

    mutating func append(_ text: String) { append(Array(text.utf8)) }

    mutating func append(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        written += bytes.count
        if buffer.count >= 1 << 20 {
            handle.write(Data(buffer))
            buffer.removeAll(keepingCapacity: true)
        }
    }

    mutating func close() throws {
        handle.write(Data(buffer))
        try handle.close()
    }
}

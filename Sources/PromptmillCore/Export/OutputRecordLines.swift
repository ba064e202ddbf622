#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The lines of a job's output (gzip JSONL, every member of it, or plain JSONL), read in
/// constant memory from the file's first `length` bytes: the bytes the job store says are
/// committed, so a run writing the file at the same time, or one killed mid-member, adds
/// nothing half-written.
final class OutputRecordLines {
    private let path: String
    private let descriptor: Int32
    private var left: UInt64
    private var raw = [UInt8](repeating: 0, count: 1 << 18)
    private var lines: [UInt8] = []
    private let chunk = 1 << 20

    /// `length`: how many bytes of the file to read; nil: all of it. Throws when the file
    /// cannot be opened.
    init(path: String, length: UInt64?) throws(OutputError) {
        self.path = path
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw .cannotRead(path: path, reason: String(cString: strerror(errno))) }
        left = length ?? .max
        lines.reserveCapacity(chunk * 2)
    }

    deinit {
        SystemCalls.close(descriptor)
    }

    /// Calls `body` with each non-blank line, without its line end, in file order. Throws
    /// `InputError.invalidGzip` when the bytes are not gzip or end in the middle of a member,
    /// `OutputError` when the file cannot be read, and whatever `body` throws.
    func forEach(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        var inflater: GzipInflater?
        var rawStart = 0
        var rawEnd = 0
        var first = true
        while true {
            if rawStart == rawEnd {
                rawStart = 0
                rawEnd = try readRaw()
                if rawEnd == 0 { break }
                if first {
                    first = false
                    if rawEnd >= 2, raw[0] == 0x1F, raw[1] == 0x8B { inflater = try GzipInflater(displayName: path) }
                }
            }
            if let inflater {
                let (start, end) = (rawStart, rawEnd)
                let produced = try raw.withUnsafeBufferPointer { bytes throws(InputError) in
                    try inflater.inflate(input: UnsafeBufferPointer(rebasing: bytes[start..<end]), into: &lines, capacity: chunk)
                }
                rawStart += produced.consumed
                if produced.written == 0, produced.consumed == 0 { rawStart = rawEnd }
            } else {
                lines.append(contentsOf: raw[rawStart..<rawEnd])
                rawStart = rawEnd
            }
            try emitWholeLines(body)
        }
        try inflater?.finish()
        if !lines.isEmpty {
            lines.append(0x0A)
            try emitWholeLines(body)
        }
    }

    /// Hands out every whole line in `lines` and keeps the unfinished rest.
    private func emitWholeLines(_ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let consumed = try lines.withUnsafeBufferPointer { bytes -> Int in
            guard let base = bytes.baseAddress else { return 0 }
            var start = 0
            while start < bytes.count, let found = memchr(base + start, 0x0A, bytes.count - start) {
                let end = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
                var last = end
                if last > start, bytes[last - 1] == 0x0D { last -= 1 }
                var blank = true
                for index in start..<last where !(bytes[index] == 0x20 || bytes[index] == 0x09) {
                    blank = false
                    break
                }
                if !blank { try body(UnsafeBufferPointer(rebasing: bytes[start..<last])) }
                start = end + 1
            }
            return start
        }
        if consumed > 0 { lines.removeSubrange(0..<consumed) }
    }

    /// Reads the next bytes of the file, within `left`; 0 at the end.
    private func readRaw() throws(OutputError) -> Int {
        while left > 0 {
            let wanted = Int(min(UInt64(raw.count), left))
            let count = raw.withUnsafeMutableBytes { SystemCalls.read(descriptor, $0.baseAddress!, wanted) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .cannotRead(path: path, reason: String(cString: strerror(errno)))
            }
            left -= UInt64(count)
            if count == 0 { left = 0 }
            return count
        }
        return 0
    }
}

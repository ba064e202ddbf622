#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes of a file, decompressed when it is gzip (told by its first two bytes, 1f 8b, not
/// by its name), handed out in large chunks.
final class FileByteSource {
    let displayName: String
    private let descriptor: Int32
    private var gzip: GzipInflater?
    private var raw: [UInt8]
    private var rawStart = 0
    private var rawEnd = 0
    private var endOfFile = false
    /// Whether the file is gzip (its bytes are inflated as they are read).
    var isGzip: Bool { gzip != nil }
    /// Bytes read from the file itself (compressed bytes for gzip), for progress.
    private(set) var bytesRead: UInt64 = 0

    init(path: String, displayName: String) throws(InputError) {
        self.displayName = displayName
        descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw .cannotOpen(file: displayName, reason: String(cString: strerror(errno)))
        }
        raw = [UInt8](repeating: 0, count: 1 << 18)
        try fillRaw()
        if rawEnd - rawStart >= 2, raw[rawStart] == 0x1F, raw[rawStart + 1] == 0x8B {
            gzip = try GzipInflater(displayName: displayName)
        }
    }

    deinit {
        SystemCalls.close(descriptor)
    }

    private func fillRaw() throws(InputError) {
        if rawStart > 0 {
            let remaining = rawEnd - rawStart
            if remaining > 0 {
                raw.withUnsafeMutableBufferPointer { buffer in
                    _ = memmove(buffer.baseAddress!, buffer.baseAddress! + rawStart, remaining)
                }
            }
            rawEnd = remaining
            rawStart = 0
        }
        while rawEnd < raw.count, !endOfFile {
            let count = raw.withUnsafeMutableBufferPointer { buffer in
                SystemCalls.read(descriptor, buffer.baseAddress! + rawEnd, buffer.count - rawEnd)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .readFailed(file: displayName, reason: String(cString: strerror(errno)))
            }
            if count == 0 {
                endOfFile = true
            } else {
                rawEnd += count
                bytesRead += UInt64(count)
            }
            if count > 0 { break }
        }
    }

    /// Appends up to `capacity` more bytes to `buffer`; returns how many (0 at the end).
    func read(into buffer: inout [UInt8], capacity: Int) throws(InputError) -> Int {
        while true {
            if rawStart == rawEnd {
                if endOfFile {
                    if let gzip { try gzip.finish() }
                    return 0
                }
                try fillRaw()
                continue
            }
            if let gzip {
                let produced = try raw.withUnsafeBufferPointer { input throws(InputError) in
                    try gzip.inflate(input: UnsafeBufferPointer(rebasing: input[rawStart..<rawEnd]), into: &buffer, capacity: capacity)
                }
                rawStart += produced.consumed
                if produced.written > 0 { return produced.written }
                if produced.consumed == 0 { try fillRaw() }
            } else {
                let count = min(capacity, rawEnd - rawStart)
                buffer.append(contentsOf: raw[rawStart..<(rawStart + count)])
                rawStart += count
                return count
            }
        }
    }
}

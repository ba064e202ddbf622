import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends gzip members to a file. After every `finishMember()` the file is a complete,
/// valid gzip stream (concatenated members are one stream to gzip, zcat and promptmill),
/// so a reader never sees half a record.
public final class GzipMemberWriter {
    public let path: String
    private let descriptor: Int32
    private var stream = z_stream()
    private var output = [UInt8](repeating: 0, count: 1 << 17)
    private var memberOpen = false
    private let level: Int32
    public private(set) var fileSize: UInt64

    /// Creates the file with `permissions` (0600: readable by the user alone), or appends to it.
    public init(path: String, appending: Bool, level: Int32 = 6, permissions: mode_t = 0o600) throws(OutputError) {
        self.path = path
        self.level = level
        let flags = O_WRONLY | O_CREAT | (appending ? O_APPEND : O_TRUNC)
        descriptor = open(path, flags, permissions)
        guard descriptor >= 0 else { throw .cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        fileSize = UInt64(max(0, lseek(descriptor, 0, SEEK_END)))
    }

    /// Opens the file (creating it, 0600) and cuts it to its first `length` bytes, dropping
    /// whatever a killed writer left after its last complete member; then appends.
    public init(path: String, keepingFirst length: UInt64, level: Int32 = 6, permissions: mode_t = 0o600) throws(OutputError) {
        self.path = path
        self.level = level
        descriptor = open(path, O_WRONLY | O_CREAT, permissions)
        guard descriptor >= 0 else { throw .cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        guard ftruncate(descriptor, off_t(length)) == 0, lseek(descriptor, off_t(length), SEEK_SET) == off_t(length) else {
            let reason = String(cString: strerror(errno))
            SystemCalls.close(descriptor)
            throw .writeFailed(path: path, reason: reason)
        }
        fileSize = length
    }

    deinit {
        if memberOpen { deflateEnd(&stream) }
        SystemCalls.close(descriptor)
    }

    private func startMember() throws(OutputError) {
        let status = deflateInit2_(&stream, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw .writeFailed(path: path, reason: "zlib could not start (\(status))") }
        memberOpen = true
    }

    public func write(_ bytes: [UInt8]) throws(OutputError) {
        let failure: OutputError? = bytes.withUnsafeBytes { buffer -> OutputError? in
            do throws(OutputError) {
                try write(buffer)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(OutputError) {
        guard !bytes.isEmpty else { return }
        if !memberOpen { try startMember() }
        try deflate(bytes, flush: Z_NO_FLUSH)
    }

    /// Ends the current member and writes it out; returns the file's size after it.
    @discardableResult
    public func finishMember() throws(OutputError) -> UInt64 {
        guard memberOpen else { return fileSize }
        try deflate(UnsafeRawBufferPointer(start: nil, count: 0), flush: Z_FINISH)
        deflateEnd(&stream)
        memberOpen = false
        return fileSize
    }

    /// An empty file is not gzip: a job with no records ends with one empty member (20
    /// bytes) instead, which every gzip reader reads as no lines.
    public func finishEmptyFile() throws(OutputError) {
        guard fileSize == 0, !memberOpen else { return }
        try startMember()
        try finishMember()
    }

    /// Makes what has been written durable on disk.
    public func sync() throws(OutputError) {
        #if canImport(Glibc)
        let status = fdatasync(descriptor)
        #else
        let status = fsync(descriptor)
        #endif
        guard status == 0 else { throw .writeFailed(path: path, reason: String(cString: strerror(errno))) }
    }

    public func close() throws(OutputError) {
        try finishMember()
    }

    private func deflate(_ input: UnsafeRawBufferPointer, flush: Int32) throws(OutputError) {
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = UInt32(input.count)
        while true {
            let (status, produced) = output.withUnsafeMutableBufferPointer { buffer in
                stream.next_out = buffer.baseAddress
                stream.avail_out = UInt32(buffer.count)
                let status = CZlib.deflate(&stream, flush)
                return (status, buffer.count - Int(stream.avail_out))
            }
            guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                throw .writeFailed(path: path, reason: "zlib error \(status)")
            }
            try writeOut(count: produced)
            if flush == Z_FINISH ? status == Z_STREAM_END : (stream.avail_in == 0 && produced < output.count) { return }
        }
    }

    private func writeOut(count: Int) throws(OutputError) {
        var offset = 0
        while offset < count {
            let written = output.withUnsafeBufferPointer { buffer in
                SystemCalls.write(descriptor, buffer.baseAddress! + offset, count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw .writeFailed(path: path, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
        fileSize += UInt64(count)
    }

    /// The whole decompressed content of a gzip file (every member): for tests and tools.
    public static func decompressAll(path: String) throws(InputError) -> [UInt8] {
        let source = try FileByteSource(path: path, displayName: path)
        var bytes: [UInt8] = []
        while try source.read(into: &bytes, capacity: 1 << 20) > 0 {}
        return bytes
    }
}

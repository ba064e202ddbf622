import Foundation

/// Where an export's bytes go: standard output, or a file replaced atomically (the bytes go
/// to a temporary file beside it, which is synced and then renamed over it, so a reader
/// sees the old file or the whole new one).
///
/// A new file is created 0600, as the job's own output is (it holds the same rows and
/// answers); a file being replaced keeps its mode.
final class ExportDestination {
    /// The file's path; nil for standard output.
    let path: String?
    private let temporary: String?
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var finished = false
    static let bufferBytes = 1 << 20

    /// Standard output.
    init() {
        path = nil
        temporary = nil
        descriptor = 1
        buffer.reserveCapacity(Self.bufferBytes + (64 << 10))
    }

    /// A file, written through a temporary file in its folder. Throws when that cannot be
    /// created.
    init(path: String) throws(ExportError) {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        self.path = absolute
        let folder = (absolute as NSString).deletingLastPathComponent
        let name = (absolute as NSString).lastPathComponent
        let temporary = (folder as NSString).appendingPathComponent(".\(name).\(getpid()).tmp")
        self.temporary = temporary
        var status = stat()
        let mode: mode_t = stat(absolute, &status) == 0 ? status.st_mode & 0o7777 : 0o600
        descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode)
        guard descriptor >= 0 else { throw .cannotWrite(path: absolute, reason: String(cString: strerror(errno))) }
        // open() applies the umask; a file being replaced keeps its own mode exactly.
        _ = fchmod(descriptor, mode)
        buffer.reserveCapacity(Self.bufferBytes + (64 << 10))
    }

    deinit {
        if !finished { discard() }
    }

    /// Lets `body` append to the buffer; it is written out a megabyte at a time.
    func withBuffer(_ body: (inout [UInt8]) -> Void) throws(ExportError) {
        body(&buffer)
        if buffer.count >= Self.bufferBytes { try flush() }
    }

    /// Writes what is left; a file is synced and renamed over its path.
    func commit() throws(ExportError) {
        try flush()
        finished = true
        guard let path, let temporary else { return }
        defer { SystemCalls.close(descriptor) }
        guard fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .cannotWrite(path: path, reason: reason)
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .cannotWrite(path: path, reason: reason)
        }
    }

    /// Drops a file's temporary file; the path keeps what it had.
    func discard() {
        finished = true
        guard let temporary else { return }
        SystemCalls.close(descriptor)
        unlink(temporary)
    }

    private func flush() throws(ExportError) {
        var written = 0
        while written < buffer.count {
            let count = buffer.withUnsafeBytes { SystemCalls.write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else {
                let reason = String(cString: strerror(errno))
                if let temporary { unlink(temporary) }
                throw .cannotWrite(path: path ?? "standard output", reason: reason)
            }
            written += count
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

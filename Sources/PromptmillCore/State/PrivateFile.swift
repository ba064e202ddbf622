import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files of state (ledger, lock, cache) are the user's alone: folders 0700, files 0600.
/// SQLite gives its -wal and -shm files the database file's mode, so creating that file
/// first with 0600 covers them too.
enum PrivateFile {
    /// Creates the file's folder (0700) and the file itself (0600) when missing.
    static func prepare(_ path: String) throws(StateError) {
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } catch {
            throw .cannotOpen(path: path, what: "folder", reason: "cannot create \(folder)")
        }
        let descriptor = open(path, O_WRONLY | O_CREAT, 0o600)
        guard descriptor >= 0 else {
            throw .cannotOpen(path: path, what: "file", reason: String(cString: strerror(errno)))
        }
        SystemCalls.close(descriptor)
    }

    /// Writes `bytes` to a new file (0600, in a 0700 folder) and syncs it: a batch's request
    /// lines are on disk before the job store names them.
    static func write(_ bytes: [UInt8], to path: String) throws(StateError) {
        try prepare(path)
        let descriptor = open(path, O_WRONLY | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw .writeFailed(path: path, what: "batch file", reason: String(cString: strerror(errno))) }
        defer { SystemCalls.close(descriptor) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer in
                SystemCalls.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            guard count > 0 else { throw .writeFailed(path: path, what: "batch file", reason: String(cString: strerror(errno))) }
            written += count
        }
        guard fsync(descriptor) == 0 else { throw .writeFailed(path: path, what: "batch file", reason: String(cString: strerror(errno))) }
    }
}

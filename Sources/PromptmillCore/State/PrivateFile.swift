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
}

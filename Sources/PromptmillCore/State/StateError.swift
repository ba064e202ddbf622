/// The ledger, the lock or the response cache cannot be used.
public enum StateError: Error, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, what: String, reason: String)
    case readFailed(path: String, what: String, reason: String)
    case writeFailed(path: String, what: String, reason: String)
    /// Another process runs the job.
    case jobRunning(name: String, pid: Int32?)
    /// A PostgreSQL server failed or refused: `server` is its URL without the password,
    /// `action` what was being done, `advice` the next step (or empty).
    case postgres(server: String, action: String, reason: String, advice: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let what, let reason):
            "cannot open the \(what) \(path): \(reason) — check that its folder is writable, or point elsewhere (--state-dir, --cache)"
        case .readFailed(let path, let what, let reason):
            "reading the \(what) \(path) failed: \(reason)"
        case .writeFailed(let path, let what, let reason):
            "writing the \(what) \(path) failed: \(reason) — check the disk has room"
        case .jobRunning(let name, let pid):
            if let pid {
                "job '\(name)' is already being run by process \(pid) — wait for it to finish, or stop it (kill -INT \(pid)) and run again"
            } else {
                "job '\(name)' is already being run by another process — wait for it to finish and run again"
            }
        case .postgres(let server, let action, let reason, let advice):
            "PostgreSQL \(server): \(action) failed: \(reason)" + (advice.isEmpty ? "" : " — \(advice)")
        }
    }
}

/// A result file that cannot be written.
public enum OutputError: Error, Sendable, CustomStringConvertible {
    /// `reason`: the system's words (`strerror`), e.g. "Read-only file system".
    case cannotCreate(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    /// A file the output is made from (a shared job's part) cannot be read as recorded.
    case cannotRead(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason):
            "cannot create \(path): \(reason) — check that its folder exists and is writable, then run the same command again to continue"
        case .cannotRead(let path, let reason):
            "cannot read \(path): \(reason)"
        case .writeFailed(let path, let reason):
            "writing \(path) failed: \(reason) — make room on the disk (or make the folder writable), then run the same command again: it continues where the last durable record ends, and answers already paid for come from the cache"
        }
    }
}

/// A result file that cannot be written.
public enum OutputError: Error, Sendable, CustomStringConvertible {
    case cannotCreate(path: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreate(let path): "cannot create \(path) — check that its folder is writable"
        case .writeFailed(let path, let reason): "writing \(path) failed: \(reason) — check the disk has room"
        }
    }
}

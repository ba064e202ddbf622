import Foundation

/// A whole input file that cannot be read: no row of it can be trusted.
public enum InputError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotOpen(file: String, reason: String)
    case readFailed(file: String, reason: String)
    case invalidGzip(file: String, reason: String)
    /// A CSV header problem, with the line it is on.
    case badHeader(file: String, line: Int, reason: String)
    /// The file starts with the byte-order mark of another encoding ("UTF-16 LE", ...), or
    /// its zero bytes show UTF-16 without one. `compressed`: the file is gzip, and its
    /// decompressed bytes are what says so.
    case notUTF8(file: String, encoding: String, compressed: Bool = false)

    public var description: String {
        switch self {
        case .cannotOpen(let file, let reason):
            "cannot open \(file): \(reason) — check input.path"
        case .readFailed(let file, let reason):
            "reading \(file) failed: \(reason)"
        case .invalidGzip(let file, let reason):
            "\(file) is not a valid gzip file (\(reason)) — recompress it, or remove the .gz ending if it is plain text"
        case .badHeader(let file, let line, let reason):
            "\(file):\(line): \(reason)"
        case .notUTF8(let file, let encoding, let compressed):
            "\(file) is \(encoding) (by its first bytes); promptmill reads UTF-8 — convert it, e.g. \(Self.conversion(of: file, from: encoding, compressed: compressed)), or save it from Excel as \"CSV UTF-8\""
        }
    }

    /// A shell command that writes a UTF-8 copy beside the file (gzip in, gzip out).
    private static func conversion(of file: String, from encoding: String, compressed: Bool) -> String {
        let iconv = "iconv -f \(encoding.replacingOccurrences(of: " ", with: "")) -t UTF-8"
        let name = (file as NSString).lastPathComponent
        guard compressed else { return "`\(iconv) \(file) > utf8-\(name)`" }
        return "`gunzip -c \(file) | \(iconv) | gzip > utf8-\(name)`"
    }
}

import Foundation
import PromptmillCore

/// Where a PostgreSQL server is and how to log in, read from a URL in libpq's form:
/// `postgres://user:password@host:port/dbname?sslmode=disable|prefer|require&schema=NAME`
/// (`postgresql://` too). The port defaults to 5432, the user to `postgres`, the database to
/// the user's name, and `sslmode` to `prefer`, as libpq and psql do.
///
/// `description` is the URL with the password replaced by `REDACTED`: the only form of it
/// that may appear in an error, a log line or a report.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// How TLS is used, named as libpq names it.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, plain otherwise; the certificate is not checked.
        case prefer
        /// TLS or no connection; the certificate is not checked (libpq's `require`).
        case require
        /// TLS, and the certificate must be signed by a trusted authority.
        case verifyCA = "verify-ca"
        /// TLS, and the certificate must be trusted and name the host.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// The `schema` query parameter: where every table lives (`search_path`), or nil for the
    /// server's default (`"$user", public`).
    public var schema: String?

    /// Reads `text`; throws a message naming the part that is wrong (without the password).
    public init(_ text: String) throws(StateError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            ["postgres", "postgresql"].contains(scheme)
        else {
            throw Self.invalid(text, "it is not a postgres:// URL")
        }
        guard let host = components.host, !host.isEmpty else {
            throw Self.invalid(text, "it names no host")
        }
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        port = components.port ?? 5432
        // A part that cannot be decoded is an error, never a silent default (Foundation
        // would escape a stray `%` and keep the text as it is).
        guard Self.escapesAreWhole(text) else {
            throw Self.invalid(text, "it has a % not followed by two hex digits (write a literal % as %25)")
        }
        if components.percentEncodedUser?.isEmpty == false, components.user == nil {
            throw Self.invalid(text, "its user is not UTF-8 once its %-escapes are decoded")
        }
        if components.percentEncodedPassword != nil, components.password == nil {
            throw Self.invalid(text, "its password is not UTF-8 once its %-escapes are decoded")
        }
        let decodedUser = components.user ?? ""
        user = decodedUser.isEmpty ? "postgres" : decodedUser
        password = components.password
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : (path.removingPercentEncoding ?? path)
        tls = .prefer
        schema = nil
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    let modes = TLSMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw Self.invalid(text, "sslmode '\(item.value ?? "")' is none of \(modes)")
                }
                tls = mode
            case "schema":
                schema = item.value
            default:
                throw Self.invalid(text, "unknown parameter '\(item.name)' (known: sslmode, schema)")
            }
        }
    }

    /// Every `%` in `text` starts an escape of two hex digits.
    static func escapesAreWhole(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func isHex(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
        }
        for index in bytes.indices where bytes[index] == UInt8(ascii: "%") {
            guard index + 2 < bytes.count, isHex(bytes[index + 1]), isHex(bytes[index + 2]) else { return false }
        }
        return true
    }

    /// The URL with the password replaced by `REDACTED`.
    public var description: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.host = host.contains(":") ? "[\(host)]" : host
        components.port = port
        components.user = user
        if password != nil { components.password = "REDACTED" }
        components.path = "/" + database
        var items = [URLQueryItem(name: "sslmode", value: tls.rawValue)]
        if let schema { items.append(URLQueryItem(name: "schema", value: schema)) }
        components.queryItems = items
        return components.string ?? "postgres://\(host):\(port)/\(database)"
    }

    /// The error for a URL that cannot be read. The text is shown only up to the `@`, so a
    /// password in it never is.
    private static func invalid(_ text: String, _ reason: String) -> StateError {
        var shown = text
        if let at = text.lastIndex(of: "@") {
            let scheme = text.range(of: "://").flatMap { $0.upperBound <= at ? String(text[..<$0.upperBound]) : nil }
            shown = (scheme ?? "") + "…" + String(text[at...])
        }
        return .postgres(
            server: shown, action: "reading the database URL", reason: reason,
            advice: "write it as postgres://user:password@host:5432/dbname?sslmode=disable")
    }
}

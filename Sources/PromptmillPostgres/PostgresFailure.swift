import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// What went wrong talking to the server, in words, and the next step: the `reason` and
/// `advice` of `StateError.postgres`.
///
/// Never shown: the password (it is in no error postgres-nio throws), the statement's bound
/// values, and the server's DETAIL field, which can quote a whole row (a prompt, an answer).
struct PostgresFailure {
    var reason: String
    var advice: String

    static let startOne = "is PostgreSQL running there? `scripts/postgres start` starts one for trying"

    init(reason: String, advice: String = "") {
        self.reason = reason
        self.advice = advice
    }

    init(_ error: any Error, url: PostgresURL) {
        let address = "\(url.host):\(url.port)"
        switch error {
        case is DatabaseClosed:
            self.init(reason: "the database was closed")
        case let error as PSQLError:
            self.init(error, url: url)
        case let error as NIOConnectionError:
            self.init(connecting: error, address: address)
        case let error as IOError:
            self.init(reason: "\(address): \(Self.text(errno: error.errnoCode))", advice: Self.startOne)
        case let error as ChannelError:
            self.init(channel: error, address: address)
        case let error as NIOSSLError:
            self.init(
                reason: "TLS with \(address) failed: \(error)",
                advice: "check the server's certificate, or set sslmode=require in the URL (encrypted, certificate not checked)")
        default:
            self.init(reason: "\(type(of: error)): \(error)")
        }
    }

    private init(_ error: PSQLError, url: PostgresURL) {
        let address = "\(url.host):\(url.port)"
        switch error.code {
        case .server:
            self.init(server: error.serverInfo, url: url)
        case .connectionError:
            if let underlying = error.underlying {
                self.init(underlying, url: url)
            } else {
                self.init(reason: "cannot connect to \(address)", advice: Self.startOne)
            }
        case .sslUnsupported:
            self.init(
                reason: "\(address) does not offer TLS",
                advice: "set sslmode=prefer or sslmode=disable in the URL, or turn ssl on in the server")
        case .failedToAddSSLHandler:
            self.init(reason: "TLS with \(address) could not start: \(error.underlying.map { "\($0)" } ?? "unknown")")
        case .authMechanismRequiresPassword:
            self.init(
                reason: "\(address) asks user '\(url.user)' for a password and the URL has none",
                advice: "put it in the URL: postgres://\(url.user):PASSWORD@\(address)/\(url.database)")
        case .saslError:
            self.init(reason: "password authentication (SCRAM) failed", advice: "check the user and password in the URL")
        case .unsupportedAuthMechanism:
            self.init(
                reason: "\(address) asks for an authentication method postgres-nio lacks",
                advice: "allow scram-sha-256, md5 or trust for this user in the server's pg_hba.conf")
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            self.init(
                reason: "the connection to \(address) closed", advice: "is the server restarting? run again once it is up")
        case .queryCancelled:
            self.init(reason: "the statement was cancelled")
        default:
            self.init(reason: "\(error.code)" + (error.underlying.map { ": \($0)" } ?? ""))
        }
    }

    /// The server's error: its message, SQLSTATE and hint; advice for the usual ones.
    private init(server info: PSQLError.ServerInfo?, url: PostgresURL) {
        let message = info?[.message] ?? "the server reported an error"
        let state = info?[.sqlState] ?? ""
        let hint = info?[.hint].map { " (hint: \($0))" } ?? ""
        let advice: String =
            switch state {
            case "28P01", "28000": "check the user and password in the URL, and the server's pg_hba.conf"
            case "3D000": "create it (createdb \(url.database)) or name another database in the URL"
            case "57P01", "57P02", "57P03": "the server is shutting down or starting up; run again once it is up"
            case "53300": "raise the server's max_connections or run fewer workers"
            case "42501": "grant user '\(url.user)' the rights, or use another user"
            default: ""
            }
        self.init(reason: message + (state.isEmpty ? "" : " (SQLSTATE \(state))") + hint, advice: advice)
    }

    private init(connecting error: NIOConnectionError, address: String) {
        if error.dnsAError != nil || error.dnsAAAAError != nil, error.connectionErrors.isEmpty {
            self.init(reason: "cannot resolve the host '\(error.host)'", advice: "check the host in the URL")
            return
        }
        let causes = error.connectionErrors.map { failure -> String in
            if let io = failure.error as? IOError { return Self.text(errno: io.errnoCode) }
            return "\(failure.error)"
        }
        let unique = causes.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        self.init(
            reason: "cannot connect to \(address): \(unique.isEmpty ? "no address to try" : unique.joined(separator: "; "))",
            advice: Self.startOne)
    }

    private init(channel error: ChannelError, address: String) {
        switch error {
        case .connectTimeout(let timeout):
            self.init(
                reason: "\(address) did not answer within \(timeout.nanoseconds / 1_000_000_000) s",
                advice: "check the host and port, and that no firewall drops them; " + Self.startOne)
        default:
            self.init(reason: "the connection to \(address) failed: \(error)", advice: Self.startOne)
        }
    }

    /// `Connection refused`, lowercased the way the rest of the message is.
    private static func text(errno code: Int32) -> String {
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }
}

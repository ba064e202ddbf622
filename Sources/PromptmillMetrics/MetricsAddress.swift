/// Where `run --metrics` listens: `HOST:PORT`, `[IPv6]:PORT`, or `:PORT` or `PORT` for 127.0.0.1.
/// Port 0 asks the system for a free one (the run says which it got).
public struct MetricsAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `text`; throws `MetricsError.badAddress` naming what is wrong and a form that works.
    public init(_ text: String) throws(MetricsError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let hostPart: Substring
        let portPart: Substring
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]"), trimmed[trimmed.index(after: close)...].hasPrefix(":") else {
                throw .badAddress(text, reason: "an IPv6 address needs brackets and a port, as [::1]:9464")
            }
            hostPart = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            portPart = trimmed[trimmed.index(close, offsetBy: 2)...]
        } else {
            guard let colon = trimmed.lastIndex(of: ":") else {
                guard let port = Int(trimmed), (0...65_535).contains(port) else {
                    throw .badAddress(text, reason: "no port: write HOST:PORT, as 127.0.0.1:9464")
                }
                self.init(host: "127.0.0.1", port: port)
                return
            }
            hostPart = trimmed[..<colon]
            portPart = trimmed[trimmed.index(after: colon)...]
            guard !hostPart.contains(":") else {
                throw .badAddress(text, reason: "an IPv6 address needs brackets, as [::1]:9464")
            }
        }
        guard let port = Int(portPart), (0...65_535).contains(port) else {
            throw .badAddress(text, reason: "'\(portPart)' is not a port (0 to 65535)")
        }
        self.init(host: hostPart.isEmpty ? "127.0.0.1" : String(hostPart), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Why `run --metrics` could not serve.
public enum MetricsError: Error, Sendable, CustomStringConvertible {
    case badAddress(String, reason: String)
    case cannotListen(MetricsAddress, reason: String)

    public var description: String {
        switch self {
        case .badAddress(let text, let reason):
            "--metrics \(text): \(reason)"
        case .cannotListen(let address, let reason):
            "--metrics: cannot listen on \(address): \(reason) — choose another port (or stop what holds this one), or an address of this machine (127.0.0.1, 0.0.0.0 for all)"
        }
    }
}

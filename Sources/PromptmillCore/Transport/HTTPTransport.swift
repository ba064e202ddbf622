/// A request as promptmill sends it: method, absolute URL, headers and a JSON body.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String = "POST", url: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// An answer: status, headers (names lowercased) and the whole body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers.map { (name: $0.name.lowercased(), value: $0.value) }
        self.body = body
    }

    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name == lowered }?.value
    }
}

/// A request that got no whole answer: the kinds a retry may cure.
public struct TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case timeout
        /// The connection was refused, reset or closed before a whole answer arrived.
        case connection
        /// The answer ended before its declared length.
        case truncated
        /// The request never reached a server: the connection was refused, the host name
        /// did not resolve, or TLS failed. Nothing can have been billed.
        case unreachable
    }

    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String {
        switch kind {
        case .timeout: "no answer within the timeout (\(detail))"
        case .connection: "connection failed: \(detail)"
        case .truncated: "the answer was cut off: \(detail)"
        case .unreachable: "cannot connect: \(detail)"
        }
    }
}

/// Sends one HTTP request and returns the whole answer; the seam tests replace with a
/// scripted transport.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest, timeout: Duration) async throws(TransportError) -> HTTPResponse
    /// The same exchange, handing `head` the answer's status and headers (an empty body) as
    /// soon as they arrive, before the body is read: a streamed answer's head comes before
    /// its first event. Transports that only see whole answers call `head` once they have it.
    func send(
        _ request: HTTPRequest, timeout: Duration, head: @escaping @Sendable (HTTPResponse) async -> Void
    ) async throws(TransportError) -> HTTPResponse
    func shutdown() async
}

extension HTTPTransport {
    public func send(
        _ request: HTTPRequest, timeout: Duration, head: @escaping @Sendable (HTTPResponse) async -> Void
    ) async throws(TransportError) -> HTTPResponse {
        let response = try await send(request, timeout: timeout)
        await head(HTTPResponse(status: response.status, headers: response.headers, body: []))
        return response
    }
}

import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// `HTTPTransport` over AsyncHTTPClient: a keep-alive HTTP/1.1 connection pool sized to
/// the job's concurrency, TLS for https.
public final class AsyncHTTPClientTransport: HTTPTransport {
    private let client: HTTPClient
    /// Bodies above this are refused as malformed rather than buffered without end.
    private let maximumBodyBytes = 256 * 1024 * 1024

    public init(maximumConnections: Int) {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60),
            concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, maximumConnections))
        // A connection that cannot be made fails its request at once, so the retry policy
        // (and the stop for a server that cannot be reached) decides, not the pool.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.decompression = .enabled(limit: .ratio(50))
        // HTTP/1.1 only: over HTTP/2 the client multiplexes one connection per host and
        // queues whatever passes the server's MAX_CONCURRENT_STREAMS (often 100 to 256
        // behind a load balancer; swift-server/async-http-client#567), far under what a
        // large account's quota needs in flight. OpenAI's own SDKs speak HTTP/1.1 by default.
        configuration.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The whole exchange, body included, must finish within `timeout`: a server that stalls
    /// halfway through an answer is a timeout like one that never answers. (The client's own
    /// deadline holds only until the answer's head.)
    ///
    /// The timer is one of the event loop's scheduled tasks, freed the moment it is cancelled:
    /// a cancelled `Task.sleep` keeps its timer, about 500 bytes, until its deadline
    /// (swiftlang/swift#60441), so at 1,000 requests a second and a 60 s timeout 30 MB of
    /// timers were alive at any time.
    public func send(_ request: HTTPRequest, timeout: Duration) async throws(TransportError) -> HTTPResponse {
        try await send(request, timeout: timeout, head: nil)
    }

    public func send(
        _ request: HTTPRequest, timeout: Duration, head: @escaping @Sendable (HTTPResponse) async -> Void
    ) async throws(TransportError) -> HTTPResponse {
        try await send(request, timeout: timeout, head: .some(head))
    }

    /// `head`: nil for the whole answer alone (no head is built per request then).
    private func send(
        _ request: HTTPRequest, timeout: Duration, head: (@Sendable (HTTPResponse) async -> Void)?
    ) async throws(TransportError) -> HTTPResponse {
        let exchange = Task { await self.exchange(request, timeout: timeout, head: head) }
        let (seconds, attoseconds) = timeout.components
        let timer = client.eventLoopGroup.any().scheduleTask(in: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)) {
            exchange.cancel()
        }
        let outcome = await withTaskCancellationHandler {
            await exchange.value
        } onCancel: {
            exchange.cancel()
        }
        timer.cancel()
        // A failure after the timer ran is the timeout's doing.
        if case .failure = outcome, (try? await timer.futureResult.get()) != nil {
            throw TransportError(.timeout, "\(timeout.components.seconds) s")
        }
        return try outcome.get()
    }

    private func exchange(
        _ request: HTTPRequest, timeout: Duration, head: (@Sendable (HTTPResponse) async -> Void)?
    ) async -> Result<HTTPResponse, TransportError> {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for header in request.headers {
            outgoing.headers.add(name: header.name, value: header.value)
        }
        outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        let milliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        do {
            let response = try await client.execute(outgoing, timeout: .milliseconds(milliseconds))
            let headers = response.headers.map { (name: $0.name, value: $0.value) }
            if let head { await head(HTTPResponse(status: Int(response.status.code), headers: headers, body: [])) }
            var body = try await response.body.collect(upTo: maximumBodyBytes)
            let bytes = body.readBytes(length: body.readableBytes) ?? []
            return .success(
                HTTPResponse(
                    status: Int(response.status.code), headers: headers, body: bytes))
        } catch let error as HTTPClientError {
            return .failure(Self.classify(error))
        } catch is CancellationError {
            return .failure(TransportError(.connection, "cancelled"))
        } catch let error as NIOConnectionError {
            if let dns = error.dnsAError ?? error.dnsAAAAError {
                return .failure(TransportError(.unreachable, "the host name \(error.host) does not resolve (\(dns))"))
            }
            return .failure(TransportError(.unreachable, "\(error.host):\(error.port) refused the connection (\(error))"))
        } catch let error as IOError where [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH].contains(error.errnoCode) {
            return .failure(TransportError(.unreachable, "\(error)"))
        } catch let error as NIOSSLError {
            return .failure(TransportError(.unreachable, "TLS failed (\(error))"))
        } catch let error as BoringSSLError {
            return .failure(TransportError(.unreachable, "TLS failed (\(error))"))
        } catch let error as NIOSSLExtraError {
            return .failure(TransportError(.unreachable, "TLS failed (\(error))"))
        } catch {
            return .failure(TransportError(.connection, String(describing: error)))
        }
    }

    static func classify(_ error: HTTPClientError) -> TransportError {
        switch error {
        case .deadlineExceeded, .readTimeout, .writeTimeout:
            TransportError(.timeout, "\(error)")
        case .remoteConnectionClosed, .bodyLengthMismatch:
            TransportError(.truncated, "\(error)")
        case .connectTimeout:
            TransportError(.unreachable, "no connection within the connect timeout (\(error))")
        default:
            TransportError(.connection, "\(error)")
        }
    }

    public func shutdown() async {
        try? await client.shutdown()
    }
}

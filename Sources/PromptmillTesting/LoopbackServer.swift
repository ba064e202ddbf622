import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import PromptmillCore

/// A real HTTP/1.1 server on 127.0.0.1 that answers each request from a script: the test
/// decides every status, header and body byte (an HTML 429, a 200 without usage, an error
/// object in a 200...), and promptmill's real transport talks to it over loopback.
/// `.fail` closes the connection without an answer.
///
/// With `streamHead`, a request it gives a head for is answered as a stream is: that head
/// at once (chunked, no length), then the responder's body whenever the responder returns.
public final class LoopbackServer: Sendable {
    public typealias Responder = @Sendable (HTTPRequest, Int) async -> ScriptedTransport.Step
    public typealias StreamHead = @Sendable (HTTPRequest, Int) -> HTTPResponse?

    private let responder: Responder
    private let streamHead: StreamHead?
    private let state = NIOLockedValueBox<(channel: Channel?, received: [HTTPRequest])>((nil, []))

    public init(respond: @escaping Responder, streamHead: StreamHead? = nil) {
        responder = respond
        self.streamHead = streamHead
    }

    /// Binds a free port and starts serving.
    public func start() async throws {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Jobs at a large account's quota open thousands of connections at once.
            .serverChannelOption(.backlog, value: 4096)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(Handler(server: self))
                }
            }
        let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        state.withLockedValue { $0.channel = channel }
    }

    public func stop() async throws {
        let channel = state.withLockedValue { $0.channel }
        try await channel?.close()
    }

    /// `http://127.0.0.1:PORT/v1`.
    public var baseURL: String {
        let port = state.withLockedValue { $0.channel?.localAddress?.port } ?? 0
        return "http://127.0.0.1:\(port)/v1"
    }

    /// Every request received, in order.
    public var received: [HTTPRequest] { state.withLockedValue { $0.received } }

    /// Records the request; its index and, for a streamed answer, the head to send at once.
    fileprivate func receive(_ request: HTTPRequest) -> (index: Int, head: HTTPResponse?) {
        let index = state.withLockedValue { state in
            state.received.append(request)
            return state.received.count - 1
        }
        return (index, streamHead?(request, index))
    }

    fileprivate func answer(_ request: HTTPRequest, index: Int) async -> ScriptedTransport.Step {
        await responder(request, index)
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        private let server: LoopbackServer
        private var head: HTTPRequestHead?
        private var body: [UInt8] = []

        init(server: LoopbackServer) {
            self.server = server
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let requestHead):
                head = requestHead
                body = []
            case .body(let chunk):
                body += chunk.readableBytesView
            case .end:
                guard let requestHead = head else { return }
                let request = HTTPRequest(
                    method: requestHead.method.rawValue, url: requestHead.uri,
                    headers: requestHead.headers.map { (name: $0.name, value: $0.value) }, body: body)
                head = nil
                body = []
                let loop = context.eventLoop
                let bound = NIOLoopBound((context: context, handler: self), eventLoop: loop)
                let server = self.server
                let (index, streamed) = server.receive(request)
                if let streamed { sendHead(streamed, context: context) }
                Task {
                    let step = await server.answer(request, index: index)
                    loop.execute {
                        let (context, handler) = bound.value
                        handler.send(step, keepAlive: requestHead.isKeepAlive, headSent: streamed != nil, context: context)
                    }
                }
            }
        }

        /// `headSent`: a streamed answer's head went already (`sendHead`); only the responder's
        /// body and the end are left (a `.fail` cuts the stream).
        private func send(_ step: ScriptedTransport.Step, keepAlive: Bool, headSent: Bool, context: ChannelHandlerContext) {
            guard context.channel.isActive else { return }
            guard case .respond(let response) = step else {
                context.close(promise: nil)
                return
            }
            if !headSent {
                var headers = HTTPHeaders()
                for (name, value) in response.headers { headers.add(name: name, value: value) }
                headers.replaceOrAdd(name: "content-length", value: String(response.body.count))
                if !keepAlive { headers.add(name: "connection", value: "close") }
                let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
                context.write(wrapOutboundOut(.head(head)), promise: nil)
            }
            var buffer = context.channel.allocator.buffer(capacity: response.body.count)
            buffer.writeBytes(response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            if !keepAlive { context.close(promise: nil) }
        }

        private func sendHead(_ response: HTTPResponse, context: ChannelHandlerContext) {
            var headers = HTTPHeaders()
            for (name, value) in response.headers where name != "content-length" { headers.add(name: name, value: value) }
            let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
            context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
        }

        func errorCaught(context: ChannelHandlerContext, error: Error) {
            context.close(promise: nil)
        }
    }
}

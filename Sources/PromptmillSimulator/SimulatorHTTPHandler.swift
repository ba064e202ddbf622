import NIOCore
import NIOHTTP1

/// One connection's HTTP/1.1 requests: gathers each whole request, asks the engine, and
/// answers after the configured latency (or drops, or truncates, as the engine says).
final class SimulatorHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let engine: SimulatorEngine
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    /// A batch input file of 200 MB (OpenAI's limit) and its multipart framing.
    private static let maximumBodyBytes = 201 * 1024 * 1024

    init(engine: SimulatorEngine) {
        self.engine = engine
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body = context.channel.allocator.buffer(capacity: 0)
        case .body(var chunk):
            if (body?.readableBytes ?? 0) + chunk.readableBytes > Self.maximumBodyBytes {
                context.close(promise: nil)
                return
            }
            body?.writeBuffer(&chunk)
        case .end:
            guard let requestHead = head else { return }
            let bytes = body.map { Array($0.readableBytesView) } ?? []
            head = nil
            body = nil
            let reply = engine.handle(
                method: requestHead.method.rawValue, path: requestHead.uri,
                headers: requestHead.headers.map { ($0.name, $0.value) }, body: bytes)
            let keepAlive = requestHead.isKeepAlive
            let latency = reply.latency ?? engine.configuration.latency
            var pending = reply
            let streamed = reply.stream != nil && reply.kind == .answer && reply.status == 200
            if streamed, let stream = reply.stream {
                // The head goes at once; the events are the body the latency holds back.
                streamHead(reply, keepAlive: keepAlive, context: context)
                pending.body = stream.events(for: reply.body)
            }
            if latency > .zero {
                let nanoseconds = latency.components.seconds * 1_000_000_000 + latency.components.attoseconds / 1_000_000_000
                context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanoseconds)) {
                    self.send(pending, keepAlive: keepAlive, headSent: streamed, context: context)
                }
            } else {
                send(pending, keepAlive: keepAlive, headSent: streamed, context: context)
            }
        }
    }

    /// `headSent`: a streamed answer's head went already (`streamHead`); only its body is left.
    private func send(_ reply: SimulatorReply, keepAlive: Bool, headSent: Bool = false, context: ChannelHandlerContext) {
        engine.replied()
        guard context.channel.isActive else { return }
        switch reply.kind {
        case .drop:
            context.close(promise: nil)
        case .answer, .truncate, .stall:
            if !headSent {
                var headers = HTTPHeaders()
                if !reply.headers.contains(where: { $0.0.lowercased() == "content-type" }) {
                    headers.add(name: "content-type", value: "application/json")
                }
                headers.add(name: "content-length", value: String(reply.body.count))
                for (name, value) in reply.headers { headers.add(name: name, value: value) }
                if !keepAlive { headers.add(name: "connection", value: "close") }
                let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: reply.status), headers: headers)
                context.write(wrapOutboundOut(.head(head)), promise: nil)
            }
            let sent = reply.kind == .answer ? reply.body.count : reply.body.count / 2
            var buffer = context.channel.allocator.buffer(capacity: sent)
            buffer.writeBytes(reply.body[0..<sent])
            if reply.kind != .answer {
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
                if reply.kind == .truncate { context.close(promise: nil) }
                return
            }
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            if !keepAlive { context.close(promise: nil) }
        }
    }

    /// A streamed answer's head: at once, with no length (the body goes chunked).
    private func streamHead(_ reply: SimulatorReply, keepAlive: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/event-stream; charset=utf-8")
        for (name, value) in reply.headers where name.lowercased() != "content-type" { headers.add(name: name, value: value) }
        if !keepAlive { headers.add(name: "connection", value: "close") }
        let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)
        context.writeAndFlush(wrapOutboundOut(.head(head)), promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

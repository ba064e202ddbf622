import NIOCore
import NIOHTTP1

/// One connection's requests to the metrics server: `GET /metrics` (a query string is
/// ignored) answers the exposition text; anything else 404 or 405.
final class MetricsHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let exposition: Exposition
    private var head: HTTPRequestHead?

    init(exposition: Exposition) {
        self.exposition = exposition
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
        case .body:
            break
        case .end:
            guard let requestHead = head else { return }
            head = nil
            let path = requestHead.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? requestHead.uri
            let keepAlive = requestHead.isKeepAlive
            guard path == "/metrics" else {
                send(status: .notFound, body: Array("not found: the metrics are at /metrics\n".utf8), keepAlive: keepAlive, context: context)
                return
            }
            guard requestHead.method == .GET || requestHead.method == .HEAD else {
                send(status: .methodNotAllowed, body: Array("use GET\n".utf8), keepAlive: keepAlive, context: context)
                return
            }
            let promise = context.eventLoop.makePromise(of: [UInt8]?.self)
            let exposition = self.exposition
            promise.completeWithTask { await exposition.text() }
            let isHead = requestHead.method == .HEAD
            promise.futureResult.assumeIsolated().whenSuccess { text in
                guard let text else {
                    self.send(status: .serviceUnavailable, body: Array("starting\n".utf8), keepAlive: keepAlive, context: context)
                    return
                }
                self.send(status: .ok, body: isHead ? [] : text, keepAlive: keepAlive, context: context, length: text.count)
            }
        }
    }

    private func send(status: HTTPResponseStatus, body: [UInt8], keepAlive: Bool, context: ChannelHandlerContext, length: Int? = nil) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: status == .ok ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8")
        headers.add(name: "content-length", value: String(length ?? body.count))
        if !keepAlive { headers.add(name: "connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        if !keepAlive { context.close(promise: nil) }
    }
}

import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// The built-in OpenAI-compatible simulator: `/v1/completions`, `/v1/chat/completions`,
/// `/v1/responses`, `/v1/responses/input_tokens`, `/v1/embeddings`, `/v1/moderations` and
/// `/v1/models` with OpenAI's shapes, usage counts, limits and errors, structured outputs,
/// flex processing, the Files and Batch APIs (`/v1/files`, `/v1/batches`), and switches for
/// the faults a real job must survive.
public final class Simulator: Sendable {
    private let engine: SimulatorEngine
    private let channel = NIOLockedValueBox<Channel?>(nil)

    public init(configuration: SimulatorConfiguration, tokenCounter: SimulatorTokenCounter = .exact) {
        engine = SimulatorEngine(configuration: configuration, counter: tokenCounter)
    }

    public var configuration: SimulatorConfiguration { engine.configuration }

    /// Binds and starts serving; returns the bound port.
    @discardableResult
    public func start() async throws -> Int {
        let engine = self.engine
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(SimulatorHTTPHandler(engine: engine))
                }
            }
        let bound = try await bootstrap.bind(host: engine.configuration.host, port: engine.configuration.port).get()
        channel.withLockedValue { $0 = bound }
        return bound.localAddress?.port ?? engine.configuration.port
    }

    public var port: Int { channel.withLockedValue { $0?.localAddress?.port } ?? 0 }

    /// `http://HOST:PORT/v1`.
    public var baseURL: String { "http://\(engine.configuration.host):\(port)/v1" }

    public func stop() async throws {
        let bound = channel.withLockedValue { current in
            defer { current = nil }
            return current
        }
        try await bound?.close()
    }

    public func statistics() -> SimulatorStatistics { engine.statistics }

    /// nil: no quota; otherwise the simulator answers this many more requests before
    /// `insufficient_quota`.
    public func setQuota(requests: Int?) { engine.setQuota(requests: requests) }

    /// Moves the Batch API's clock on by `duration`, as if that much time had passed: tests
    /// step batches through their states without waiting (`batchSeconds` still sets the pace).
    public func advanceBatchTime(by duration: Duration) {
        engine.state.withLockedValue { $0.batchTimeOffset += duration / .seconds(1) }
    }

    /// Every request received, when `recordRequests` is on.
    public func receivedRequests() -> [ReceivedRequest] { engine.received }
}

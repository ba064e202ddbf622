import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import PromptmillCore
import Synchronization

/// `run --metrics HOST:PORT`: serves the run's figures at `GET /metrics` in Prometheus'
/// text exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/)
/// while the run lasts. Each scrape asks the run's `RunTelemetry` for its figures, so a scrape
/// costs the run nothing between scrapes. Any other path answers 404.
public final class MetricsServer: RunWatcher, Sendable {
    private let metrics = RunMetrics()
    private let telemetry = Mutex<RunTelemetry?>(nil)
    private let channel: any Channel
    /// One scrape at a time sets the metrics and writes them.
    private let scrapes = ScrapeQueue()
    /// Where it listens (the port the system gave, when 0 was asked for).
    public let address: MetricsAddress

    private init(channel: any Channel, address: MetricsAddress) {
        self.channel = channel
        self.address = address
    }

    /// Listens on `address`. Throws `MetricsError.cannotListen` when the address is taken
    /// or cannot be bound.
    public static func start(_ address: MetricsAddress) async throws(MetricsError) -> MetricsServer {
        let exposition = Exposition()
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(exposition: exposition))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: address.host, port: address.port).get()
        } catch let error as IOError {
            throw .cannotListen(address, reason: String(cString: strerror(error.errnoCode)).lowercased())
        } catch {
            throw .cannotListen(address, reason: "\(error)")
        }
        let bound = MetricsAddress(host: address.host, port: channel.localAddress?.port ?? address.port)
        let server = MetricsServer(channel: channel, address: bound)
        exposition.server.withLock { $0 = server }
        return server
    }

    /// Stops listening; scrapes under way are answered.
    public func stop() async {
        try? await channel.close()
    }

    // MARK: RunWatcher

    public func runStarted(_ telemetry: RunTelemetry) {
        self.telemetry.withLock { $0 = telemetry }
    }

    public func answered(after latency: Duration) {
        metrics.latency.record(latency)
    }

    /// The exposition text now.
    public func scrape() async -> [UInt8] {
        await scrapes.run {
            if let run = telemetry.withLock({ $0 }) { metrics.update(await run.snapshot()) }
            return metrics.registry.emitToBuffer()
        }
    }
}

/// Runs scrapes one after the other: counters are set by a reset and an increment, which
/// another scrape must not see halfway.
private actor ScrapeQueue {
    func run(_ body: () async -> [UInt8]) async -> [UInt8] { await body() }
}

/// The handler's way to the server it serves (set once the channel is bound).
final class Exposition: Sendable {
    let server = Mutex<MetricsServer?>(nil)

    func text() async -> [UInt8]? {
        guard let server = server.withLock({ $0 }) else { return nil }
        return await server.scrape()
    }
}

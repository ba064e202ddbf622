import Foundation
import PromptmillCore
import PromptmillSimulator

/// A pipeline run in this process against a simulator of its own, timed on the wall clock:
/// what the rate-limit and quota benchmarks measure. Each run has its own ledger and response
/// cache in `scratch`, never the user's.
struct SimulatedRun {
    let configuration: PipelineConfiguration
    let report: RunReport
    /// Wall-clock seconds from the job's start to its end.
    let seconds: Double
    /// What the simulator served: requests, 429s, peak in flight.
    let served: SimulatorStatistics

    /// `beforeRun` sees the loaded pipeline before anything is sent (an estimate made after
    /// the run would find every row done).
    init(
        pipeline path: String, simulator simulated: SimulatorConfiguration, scratch: String,
        beforeRun: (PipelineConfiguration) throws -> Void = { _ in }
    ) async throws {
        let simulator = Simulator(configuration: simulated)
        try await simulator.start()
        var overrides = PipelineOverrides(mockBaseURL: simulator.baseURL)
        overrides.stateDirectory = scratch + "/state"
        overrides.cachePath = scratch + "/cache.sqlite"
        configuration = try PipelineLoader.load(path: path, overrides: overrides, environment: [:], apiKey: .required)
        try beforeRun(configuration)
        let transport = AsyncHTTPClientTransport(maximumConnections: configuration.limits.concurrencyCeiling)
        let clock = ContinuousClock()
        let start = clock.now
        let sampler = Task {
            guard ProcessInfo.processInfo.environment["BENCH_TRACE"] != nil else { return }
            var last = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                let statistics = simulator.statistics()
                let now = statistics.requests
                print("t=\(clock.now - start) served \(now) (+\(now - last)), 429s \(statistics.rateLimited)")
                last = now
            }
        }
        defer { sampler.cancel() }
        report = try await JobRunner(configuration: configuration, transport: transport, progress: ProgressReporter(mode: .quiet), seed: 5).run()
        let elapsed = clock.now - start
        await transport.shutdown()
        served = simulator.statistics()
        try await simulator.stop()
        seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// The share of the simulator's answers that were 429, in percent.
    var rateLimitedPercent: Double { Double(served.rateLimited) / Double(max(1, served.requests)) * 100 }
}

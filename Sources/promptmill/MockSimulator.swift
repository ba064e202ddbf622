import PromptmillCore
import PromptmillSimulator

/// `--mock`: the built-in simulator on a free loopback port for the length of one command,
/// its URL standing in for the pipeline's base URL.
enum MockSimulator {
    /// Runs `body` with `overrides`, pointed at a simulator answering after `latency` when
    /// `enabled`; the simulator stops when `body` returns.
    static func run(
        if enabled: Bool, latency: Duration, overrides: PipelineOverrides, _ body: (PipelineOverrides) async -> Int32
    ) async throws -> Int32 {
        guard enabled else { return await body(overrides) }
        var simulated = SimulatorConfiguration()
        simulated.latency = latency
        let simulator = Simulator(configuration: simulated)
        _ = try await simulator.start()
        var overrides = overrides
        overrides.mockBaseURL = simulator.baseURL
        let code = await body(overrides)
        try? await simulator.stop()
        return code
    }
}

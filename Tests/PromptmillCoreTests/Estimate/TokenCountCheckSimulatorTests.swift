import Foundation
import Testing
import PromptmillCore
import PromptmillSimulator
import PromptmillTesting

/// `estimate --check 20` over real HTTP on loopback against the built-in simulator, for the
/// repository's responses samples: the offline counts equal the API's.
@Suite struct TokenCountCheckSimulatorTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Issue 14's acceptance 5: every sample's offline count equals the simulator's, packed
    /// or not, and only the free counting endpoint is asked.
    @Test(arguments: ["review-responses", "review-responses-packed"])
    func offlineCountsEqualTheSimulators(_ name: String) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var simulated = SimulatorConfiguration()
        simulated.recordRequests = true
        let simulator = Simulator(configuration: simulated)
        _ = try await simulator.start()
        let path = Self.repository.appendingPathComponent("pipelines/\(name).yaml").path
        var overrides = PipelineOverrides(mockBaseURL: simulator.baseURL)
        overrides.noCache = true
        let configuration = try PipelineLoader.load(
            path: path, overrides: overrides, environment: ["XDG_CACHE_HOME": directory.path], apiKey: .required)
        let estimate = try JobEstimator(configuration: configuration, catalog: try ModelCatalog.builtIn()).estimate()
        let transport = AsyncHTTPClientTransport(maximumConnections: 1)
        let report: TokenCountCheckReport
        do {
            report = try await TokenCountCheck(configuration: configuration, transport: transport).run(samples: 20, rowsInInput: estimate.rows)
        } catch {
            await transport.shutdown()
            try? await simulator.stop()
            throw error
        }
        await transport.shutdown()
        let received = simulator.receivedRequests()
        try await simulator.stop()

        #expect(report.rowsChecked == 20)
        #expect(report.rowsInInput == 2400)
        #expect(report.samples.count == (configuration.pack > 1 ? 1 : 20))
        #expect(report.equal == report.samples.count, "\(report.samples.filter { $0.difference != 0 })")
        #expect(report.largest?.difference == 0)
        #expect(received.count == report.samples.count)
        #expect(received.allSatisfy { $0.path == "/v1/responses/input_tokens" && $0.hadBearer })
    }
}

import Foundation
import PromptmillCore
import PromptmillSimulator

/// What a run survives, printed as figures: the fault mix (every answer right?), an
/// exhausted quota (exit code and time to stop), and a batch with one over-long prompt.
///
///     promptmill-bench failures
enum FailureBenchmark {
    static func run(arguments: [String]) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("promptmill-failures-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let rows = (1...2000).map { "{\"id\":\"r\($0)\",\"text\":\"row \($0) about \(["kettles", "lamps", "trains", "rivers"][$0 % 4])\"}" }
        try (rows.joined(separator: "\n") + "\n").write(toFile: directory + "/rows.jsonl", atomically: true, encoding: .utf8)

        var faulty = SimulatorConfiguration()
        faulty.faults = SimulatorFaults(serverError500: 0.05, serviceUnavailable503: 0.03, droppedConnection: 0.02, truncatedBody: 0.01)
        faulty.latency = .milliseconds(20)
        let (faultReport, faultRecords, served) = try await job(directory, "rows.jsonl", faulty, batchSize: 5)
        let (_, cleanRecords, _) = try await job(directory, "rows.jsonl", SimulatorConfiguration(), batchSize: 5)
        let wrong = faultRecords.filter { cleanRecords[$0.key] != $0.value }.count + abs(faultRecords.count - cleanRecords.count)
        print(
            "faults (5% 500, 3% 503, 2% dropped, 1% truncated): \(faultRecords.count) of 2000 rows with a record, \(wrong) wrong or missing; "
                + "\(served.byStatus[500, default: 0]) × 500, \(served.byStatus[503, default: 0]) × 503, \(served.dropped) dropped, \(served.truncated) truncated; "
                + "\(faultReport.statistics.retries) retries; exit \(faultReport.exitCode)")

        var broke = SimulatorConfiguration()
        broke.insufficientQuota = true
        let clock = ContinuousClock()
        let start = clock.now
        let (quotaReport, quotaRecords, _) = try await job(directory, "rows.jsonl", broke, batchSize: 20)
        let seconds = clock.now - start
        print(
            "insufficient_quota on every answer: exit \(quotaReport.exitCode) after \(String(format: "%.2f", Double(seconds.components.seconds) + Double(seconds.components.attoseconds) / 1e18)) s, "
                + "\(quotaRecords.count) records; message: \(quotaReport.stop?.message ?? "none")")

        var lines = (1...20).map { "{\"id\":\"b\($0)\",\"text\":\"short row \($0)\"}" }
        lines[12] = "{\"id\":\"b13\",\"text\":\"\(String(repeating: "lorem ipsum ", count: 5000))\"}"
        try lines.joined(separator: "\n").write(toFile: directory + "/batch.jsonl", atomically: true, encoding: .utf8)
        let (_, batchRecords, batchServed) = try await job(directory, "batch.jsonl", SimulatorConfiguration(), batchSize: 20)
        let errors = batchRecords.filter { $0.value.hasPrefix("error:") }
        print(
            "20-prompt batch with one over-long prompt: \(batchRecords.count - errors.count) results, \(errors.count) error record(s) "
                + "(\(errors.map { "\($0.key) \($0.value)" }.joined(separator: ", "))); \(batchServed.requests) requests")
    }

    /// Runs a job and returns its report, each row's output (or `error:TYPE`) by id, and what the server saw.
    static func job(_ directory: String, _ input: String, _ simulated: SimulatorConfiguration, batchSize: Int)
        async throws -> (RunReport, [String: String], SimulatorStatistics)
    {
        let simulator = Simulator(configuration: simulated)
        try await simulator.start()
        let pipeline = """
            name: bench-failures
            input: {path: \(input), id: id}
            endpoint: completions
            model: gpt-3.5-turbo-instruct
            prompt: "Continue: {{text}}"
            params: {max_tokens: 8}
            batch_size: \(batchSize)
            limits: {max_concurrency: 16, max_retries: 12}
            output: {path: out.jsonl.gz}
            """
        try pipeline.write(toFile: directory + "/pipeline.yaml", atomically: true, encoding: .utf8)
        // Each job is a job of its own: its own ledger and response cache, never the user's.
        var overrides = PipelineOverrides(mockBaseURL: simulator.baseURL)
        let run = UUID().uuidString
        overrides.stateDirectory = directory + "/state-" + run
        overrides.cachePath = directory + "/cache-" + run + ".sqlite"
        let configuration = try PipelineLoader.load(path: directory + "/pipeline.yaml", overrides: overrides, environment: [:], apiKey: .required)
        let transport = AsyncHTTPClientTransport(maximumConnections: 16)
        let report = try await JobRunner(configuration: configuration, transport: transport, progress: ProgressReporter(mode: .quiet), seed: 9).run()
        await transport.shutdown()
        let served = simulator.statistics()
        try await simulator.stop()
        var outputs: [String: String] = [:]
        let bytes = (try? GzipMemberWriter.decompressAll(path: configuration.output.path)) ?? []
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard case .object(let record) = try Array(line).withUnsafeBytes({ try JSONParser.parse($0) }),
                case .string(let id)? = record["id"]
            else { continue }
            if case .string(let text)? = record["output"] {
                outputs[id] = text
            } else if case .object(let error)? = record["error"], case .string(let type)? = error["type"] {
                outputs[id] = "error:" + type
            }
        }
        return (report, outputs, served)
    }
}

import Foundation
import PromptmillCore
import PromptmillSimulator
import PromptmillTesting

/// Runs a pipeline end to end against the built-in simulator over real HTTP on loopback,
/// and reads back the gzip output, as a user would.
struct RunHarness {
    let directory: TemporaryDirectory
    let simulator: Simulator

    init(simulator configuration: SimulatorConfiguration = SimulatorConfiguration()) async throws {
        directory = try TemporaryDirectory()
        var configuration = configuration
        configuration.recordRequests = true
        simulator = Simulator(configuration: configuration)
        _ = try await simulator.start()
    }

    /// Writes the pipeline (`INPUT` in it is replaced by `inputName`) and the input, then runs.
    func run(
        pipeline yaml: String, input: String, inputName: String = "rows.jsonl",
        environment: [String: String]? = nil
    ) async throws -> (report: RunReport, records: [JSONObject]) {
        try directory.write(inputName, input)
        try writePipeline(yaml, inputName: inputName)
        return try await runAgain(environment: environment)
    }

    /// Writes `pipeline.yaml`, with `INPUT` replaced by `inputName`.
    @discardableResult
    func writePipeline(_ yaml: String, inputName: String = "rows.jsonl") throws -> String {
        try directory.write("pipeline.yaml", yaml.replacingOccurrences(of: "INPUT", with: inputName))
    }

    /// The job's response cache: inside the test's folder, never the user's.
    var cachePath: String { directory.path + "/cache/responses.sqlite" }

    /// Runs the pipeline already written, as the same command run again would.
    func runAgain(
        environment: [String: String]? = nil, options: JobRunner.Options = JobRunner.Options(),
        overrides extra: (inout PipelineOverrides) -> Void = { _ in }
    ) async throws -> (report: RunReport, records: [JSONObject]) {
        let path = directory.path + "/pipeline.yaml"
        var overrides = environment == nil ? PipelineOverrides(mockBaseURL: simulator.baseURL) : PipelineOverrides(baseURL: simulator.baseURL)
        overrides.cachePath = cachePath
        extra(&overrides)
        let configuration = try PipelineLoader.load(path: path, overrides: overrides, environment: environment ?? [:], apiKey: .required)
        let transport = AsyncHTTPClientTransport(maximumConnections: configuration.limits.concurrencyCeiling)
        let runner = JobRunner(configuration: configuration, options: options, transport: transport, progress: ProgressReporter(mode: .quiet))
        let report: RunReport
        do {
            report = try await runner.run()
        } catch {
            await transport.shutdown()
            throw error
        }
        await transport.shutdown()
        return (report, try Self.records(at: configuration.output.path))
    }

    var outputPath: String { directory.path + "/out.jsonl.gz" }

    func file(_ name: String) throws -> String {
        try String(contentsOfFile: directory.path + "/" + name, encoding: .utf8)
    }

    /// Every record of a gzip JSONL file, parsed.
    static func records(at path: String) throws -> [JSONObject] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let bytes = try GzipMemberWriter.decompressAll(path: path)
        var records: [JSONObject] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let value = try Array(line).withUnsafeBytes { try JSONParser.parse($0) }
            guard case .object(let object) = value else { throw HarnessError.notAnObject }
            records.append(object)
        }
        return records
    }

    func stop() async {
        try? await simulator.stop()
        directory.remove()
    }

    /// How many prompts each completions request the simulator received carried.
    func promptCounts(endpoint: String = "completions") throws -> [Int] {
        try simulator.receivedRequests().filter { $0.path.hasSuffix("/" + endpoint) }.map { request in
            let body = try request.body.withUnsafeBytes { try JSONParser.parse($0) }
            guard case .object(let object) = body, case .array(let prompts)? = object[endpoint == "completions" ? "prompt" : "input"] else {
                return 1
            }
            return prompts.count
        }
    }

    enum HarnessError: Error { case notAnObject }
}

extension JSONObject {
    var string: (String) -> String? {
        { key in if case .string(let value)? = self[key] { value } else { nil } }
    }
}

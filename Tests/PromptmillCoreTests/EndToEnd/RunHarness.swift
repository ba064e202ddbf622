import Foundation
import PromptmillCore
import PromptmillPostgres
import PromptmillSimulator
import PromptmillTesting

/// Where a harness keeps the job's state: the suites of resume and budget tests run on both.
enum StateKind: String, CaseIterable, Sendable {
    /// One machine: the SQLite ledger and cache under the test's folder.
    case sqlite
    /// Shared state on the test PostgreSQL (`PROMPTMILL_TEST_DATABASE_URL`, set by
    /// `scripts/test`), in a schema of the harness's own; each run is one worker, and its
    /// records are read from the job's collected output.
    case postgres

    /// The test server's URL; a test on PostgreSQL fails (never skips) without it.
    static func databaseURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["PROMPTMILL_TEST_DATABASE_URL"], !url.isEmpty else {
            throw MissingDatabase()
        }
        return url
    }

    struct MissingDatabase: Error, CustomStringConvertible {
        var description: String {
            "PROMPTMILL_TEST_DATABASE_URL is not set: run the tests with scripts/test (it starts a private PostgreSQL), or scripts/postgres start and export PROMPTMILL_TEST_DATABASE_URL=$(scripts/postgres url)"
        }
    }
}

/// Runs a pipeline end to end against the built-in simulator over real HTTP on loopback,
/// and reads back the gzip output, as a user would.
struct RunHarness {
    let directory: TemporaryDirectory
    let simulator: Simulator
    let state: StateKind
    /// `.postgres`: the harness's own schema of the test database.
    let schema = "test_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)

    init(simulator configuration: SimulatorConfiguration = SimulatorConfiguration(), state: StateKind = .sqlite) async throws {
        self.state = state
        if state == .postgres { _ = try StateKind.databaseURL() }
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

    /// The pipeline already written, loaded as `runAgain` loads it.
    func configuration(
        environment: [String: String]? = nil, overrides extra: (inout PipelineOverrides) -> Void = { _ in }
    ) throws -> PipelineConfiguration {
        let path = directory.path + "/pipeline.yaml"
        var overrides = environment == nil ? PipelineOverrides(mockBaseURL: simulator.baseURL) : PipelineOverrides(baseURL: simulator.baseURL)
        overrides.cachePath = cachePath
        extra(&overrides)
        return try PipelineLoader.load(path: path, overrides: overrides, environment: environment ?? [:], apiKey: .required)
    }

    /// Runs the pipeline already written, as the same command run again would.
    func runAgain(
        environment: [String: String]? = nil, options: JobRunner.Options = JobRunner.Options(),
        watcher: (any RunWatcher)? = nil, overrides extra: (inout PipelineOverrides) -> Void = { _ in }
    ) async throws -> (report: RunReport, records: [JSONObject]) {
        let configuration = try configuration(environment: environment, overrides: extra)
        let transport = AsyncHTTPClientTransport(maximumConnections: configuration.limits.concurrencyCeiling)
        let shared = try sharedState(for: configuration)
        let runner = JobRunner(
            configuration: configuration, options: options, transport: transport, progress: ProgressReporter(mode: .quiet), shared: shared,
            watcher: watcher)
        let report: RunReport
        do {
            report = try await runner.run()
        } catch {
            await transport.shutdown()
            throw error
        }
        await transport.shutdown()
        // A worker that stopped early leaves its records in its part: read the job's output
        // as `promptmill collect` writes it.
        if let shared, !report.complete { _ = try await JobRunner.collect(shared, configuration: configuration) }
        return (report, try Self.records(at: configuration.output.path))
    }

    /// `.postgres`: the job's shared state in the harness's schema; nil on SQLite.
    func sharedState(for configuration: PipelineConfiguration) throws -> (any SharedJobState)? {
        state == .postgres ? try PostgresJobState.open(url: try StateKind.databaseURL(), jobName: configuration.name, schema: schema) : nil
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

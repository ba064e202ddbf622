import Foundation
import PromptmillCore
import PromptmillSimulator

/// A multi-step job whose steps use different models, against the simulator with limits per
/// model (as OpenAI's are) at 600 RPM and 40,000 TPM and the pipeline's limits set to the
/// same. Each step alone needs at least its bound, max((requests − RPM) / RPM,
/// (tokens − TPM) / TPM, 0) minutes with buckets starting full, tokens counted as the client
/// reserves them (prompt tokens plus the completion limit); a job whose steps run at the
/// same time can come near the largest bound, one that runs a pass per step needs at least
/// their sum. Prints the job's time against both.
///
///     promptmill-bench steps [--promptmill PATH] [--compare PATH] [--pipeline PATH] [--latency-ms N]
///
/// `--promptmill`: the binary to measure (default: `promptmill` beside this one);
/// `--compare` (or `PROMPTMILL_COMPARE`): another binary, such as a build of an older
/// commit, run on the same job after it; `--pipeline`: the sample (default the three-step
/// `pipelines/review-screen-summarise-classify.yaml`); `--latency-ms`: the simulator's
/// answer time (default 200).
enum StepsBenchmark {
    static let rpm = 600
    static let tpm = 40_000

    struct Options {
        var promptmill = (Bundle.main.executableURL ?? URL(fileURLWithPath: "promptmill-bench")).deletingLastPathComponent().appendingPathComponent(
            "promptmill"
        ).path
        var compare = ProcessInfo.processInfo.environment["PROMPTMILL_COMPARE"].flatMap { $0.isEmpty ? nil : $0 }
        var pipeline = "pipelines/review-screen-summarise-classify.yaml"
        var latencyMilliseconds = 200
    }

    static let usage = "promptmill-bench steps [--promptmill PATH] [--compare PATH] [--pipeline PATH] [--latency-ms N]"

    static func run(arguments: [String]) async throws {
        var options = Options()
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw BenchmarkError.usage(usage) }
            switch flag {
            case "--promptmill": options.promptmill = value
            case "--compare": options.compare = value
            case "--pipeline": options.pipeline = value
            case "--latency-ms":
                guard let milliseconds = Int(value) else { throw BenchmarkError.usage(usage) }
                options.latencyMilliseconds = milliseconds
            default: throw BenchmarkError.usage(usage)
            }
        }
        for binary in [options.promptmill] + (options.compare.map { [$0] } ?? []) where !FileManager.default.isExecutableFile(atPath: binary) {
            throw BenchmarkError.usage("\(binary) is not an executable promptmill; build it or pass --promptmill PATH")
        }
        print(
            "\(options.pipeline) against the simulator with limits per model: \(rpm) RPM, \(tpm) TPM for each model, "
                + "\(options.latencyMilliseconds) ms latency; the pipeline's limits the same; fresh cache and state")
        let measured = try await measure(binary: options.promptmill, options: options)
        print(measured.lines(title: "job (\(options.promptmill))").joined(separator: "\n"))
        if let compare = options.compare {
            let other = try await measure(binary: compare, options: options)
            print(other.lines(title: "pass-by-pass time for comparison (\(compare))").joined(separator: "\n"))
            print(String(format: "job / comparison: %.3f", measured.seconds / other.seconds))
        }
    }

    /// Runs the job once with `binary`, in a folder of its own against a simulator of its own.
    static func measure(binary: String, options: Options) async throws -> StepsMeasurement {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("promptmill-steps-\(getpid())-\(UUID().uuidString.prefix(8))")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var copy = try BenchPipelineCopy(sample: options.pipeline)
        try copy.set(block: "limits", key: "requests_per_minute", to: String(rpm))
        try copy.set(block: "limits", key: "tokens_per_minute", to: String(tpm))
        try copy.set(block: "output", key: "path", to: directory + "/out.jsonl.gz")
        try copy.set(block: "cache", key: "enabled", to: "true")
        try copy.set(block: "cache", key: "path", to: directory + "/responses.sqlite")
        let pipelinePath = directory + "/pipeline.yaml"
        try copy.write(to: pipelinePath)

        var simulated = SimulatorConfiguration()
        simulated.requestsPerMinute = rpm
        simulated.tokensPerMinute = tpm
        simulated.limitsPerModel = true
        simulated.latency = .milliseconds(options.latencyMilliseconds)
        let simulator = Simulator(configuration: simulated)
        try await simulator.start()
        let configuration = try PipelineLoader.load(
            path: pipelinePath, overrides: PipelineOverrides(baseURL: simulator.baseURL),
            environment: ["OPENAI_API_KEY": "sk-bench"], apiKey: .required)
        guard configuration.limits.requestsPerMinute == rpm, configuration.limits.tokensPerMinute == tpm, configuration.cache.enabled else {
            throw BenchmarkError.usage("\(options.pipeline): the copy's limits or cache did not take")
        }
        let steps =
            configuration.steps.isEmpty ? [(configuration.name, configuration.model)] : configuration.steps.map { ($0.name, $0.configuration.model) }
        guard Set(steps.map { $0.1 }).count == steps.count else {
            throw BenchmarkError.usage("\(options.pipeline): two steps use one model; the benchmark tells steps apart by their model")
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = [
            "run", pipelinePath, "--base-url", simulator.baseURL, "--state-dir", directory + "/state",
            "--cache", directory + "/responses.sqlite", "--progress", "quiet",
        ]
        process.environment = ProcessInfo.processInfo.environment.merging(["OPENAI_API_KEY": "sk-bench"]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        let clock = ContinuousClock()
        let start = clock.now
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        let elapsed = (clock.now - start) / .seconds(1)
        let statistics = simulator.statistics()
        try await simulator.stop()
        return StepsMeasurement(
            seconds: elapsed, exitCode: process.terminationStatus, rpm: rpm, tpm: tpm,
            steps: steps.map { name, model in
                StepsMeasurement.Step(name: name, model: model, served: statistics.byModel[model] ?? SimulatorModelStatistics())
            })
    }
}

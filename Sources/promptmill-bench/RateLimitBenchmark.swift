import Foundation
import PromptmillCore
import PromptmillSimulator
import PromptmillTokenizer

/// A job against the simulator at 600 RPM and 40,000 TPM, with the pipeline's limits set to
/// the same and with none (learned from headers): elapsed time against the bound
/// max((requests − RPM) / RPM, (tokens − TPM) / TPM) minutes, and the share of 429s.
///
///     promptmill-bench ratelimit [ROWS]    (default 3,200 rows ≈ 105,000 tokens)
enum RateLimitBenchmark {
    static let rpm = 600
    static let tpm = 40_000

    static func run(arguments: [String]) async throws {
        let rows = arguments.first.flatMap { Int($0) } ?? 3200
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("promptmill-ratelimit-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let words = ["kettle", "works", "well", "but", "the", "lid", "is", "loose", "and", "it", "arrived", "late", "great", "value"]
        var random = SplitMix64(seed: 11)
        let lines = (1...rows).map { number -> String in
            let text = (0..<(12 + Int(random.next() % 16))).map { _ in words[Int(random.next() % UInt64(words.count))] }.joined(separator: " ")
            return "{\"id\":\"r\(number)\",\"text\":\"\(text)\"}"
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory + "/rows.jsonl", atomically: true, encoding: .utf8)
        for withLimits in [true, false] {
            try await scenario(directory: directory, withLimits: withLimits)
        }
    }

    static func scenario(directory: String, withLimits: Bool) async throws {
        let limits =
            withLimits ? "limits: {requests_per_minute: \(rpm), tokens_per_minute: \(tpm), max_concurrency: 16}" : "limits: {max_concurrency: 16}"
        let pipeline = """
            name: bench-ratelimit
            input: {path: rows.jsonl, id: id}
            endpoint: completions
            model: gpt-3.5-turbo-instruct
            prompt: "Classify the sentiment of this review as positive, negative or neutral.\\nReview: {{text}}\\nSentiment:"
            params: {max_tokens: 3, temperature: 0}
            batch_size: 20
            \(limits)
            output: {path: out-\(withLimits).jsonl.gz}
            """
        try pipeline.write(toFile: directory + "/pipeline.yaml", atomically: true, encoding: .utf8)
        var simulated = SimulatorConfiguration()
        simulated.requestsPerMinute = rpm
        simulated.tokensPerMinute = tpm
        simulated.latency = .milliseconds(100)
        var estimated: JobEstimate?
        let run = try await SimulatedRun(pipeline: directory + "/pipeline.yaml", simulator: simulated, scratch: directory + "/run-\(withLimits)") {
            estimated = try JobEstimator(configuration: $0, catalog: try ModelCatalog.builtIn()).estimate()
        }
        guard let estimate = estimated else { return }
        // What the server charges: every prompt's tokens plus max_tokens × n.
        let tokens = estimate.promptTokens + estimate.completionTokensMax
        let bound = max(Double(estimate.requests - rpm) / Double(rpm), Double(tokens - tpm) / Double(tpm)) * 60
        let (report, seconds, served) = (run.report, run.seconds, run.served)
        print(
            String(
                format:
                    "%@: %d rows, %d requests, %d tokens charged; elapsed %.2f s, bound %.2f s (%+.2f%%); 429s %d of %d answers (%.2f%%); complete %@, exit %d",
                withLimits ? "limits set (600 RPM, 40,000 TPM)" : "no limits set (learned from headers)",
                report.statistics.items, estimate.requests, tokens, seconds, bound, (seconds / bound - 1) * 100,
                served.rateLimited, served.requests, run.rateLimitedPercent,
                report.complete ? "yes" : "no", report.exitCode))
    }
}

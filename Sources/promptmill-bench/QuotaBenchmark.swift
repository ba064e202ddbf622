import Foundation
import PromptmillCore
import PromptmillSimulator

/// Chat jobs against the simulator at real latency, with no `max_concurrency` in the
/// pipeline: elapsed time against the bound the quota allows, and the share of 429s.
///
/// - `limits`: 600 rows, simulator at 300 RPM answering in 0.2 s; the pipeline says
///   600 RPM (twice the account's), then 300 (right).
/// - `latency`: 1,500 rows at 600 RPM and 3,000 rows at 6,000 RPM, answering in 2 s, no
///   limits in the pipeline; beside the 3,000 rows, the same job with `max_concurrency:
///   3000`, which sends every row at once before any answer: what a client reaches that
///   knows the account's limits before it starts (nothing set, the limits are learned from
///   the head of the first answer, streamed, a moment after it is sent). And 12,000 rows at
///   6,000 RPM, where the quota binds past the first minute's bucket.
///
/// The simulator's buckets start full, as OpenAI's do, so the bound is
/// max(0, requests − RPM) / RPM minutes (the requests the first minute's bucket holds go
/// at once). Nothing can finish before one latency after the last send: that is printed
/// as "bound + latency".
///
/// On a machine whose cores the client and the simulator share, the requests themselves take
/// time: `latency` first runs the 3,000 rows answered at once (no latency), and prints the
/// 2 s jobs against the latency plus that.
///
///     promptmill-bench quota [limits|latency|large]
enum QuotaBenchmark {
    static func run(arguments: [String]) async throws {
        let which = arguments.first ?? "all"
        if which == "all" || which == "limits" {
            try await scenario(rows: 600, serverRPM: 300, pipelineRPM: 600, latency: .milliseconds(200), label: "pipeline says 600 RPM, account 300")
            try await scenario(rows: 600, serverRPM: 300, pipelineRPM: 300, latency: .milliseconds(200), label: "pipeline says 300 RPM, account 300")
        }
        if which == "all" || which == "latency" {
            try await scenario(rows: 1500, serverRPM: 600, pipelineRPM: nil, latency: .seconds(2), label: "600 RPM, 2 s answers, nothing set")
            // What this machine takes for the 3,000 requests themselves (client and simulator
            // share its cores): the same job answered at once.
            let work = try await scenario(
                rows: 3000, serverRPM: 6000, pipelineRPM: nil, latency: .zero, label: "6,000 RPM, answered at once, nothing set")
            try await scenario(
                rows: 3000, serverRPM: 6000, pipelineRPM: nil, latency: .seconds(2), floor: work, label: "6,000 RPM, 2 s answers, nothing set")
            try await scenario(
                rows: 3000, serverRPM: 6000, pipelineRPM: nil, maxConcurrency: 3000, latency: .seconds(2), floor: work,
                label: "6,000 RPM, 2 s answers, max_concurrency 3000 (all at once)")
        }
        if which == "all" || which == "latency" || which == "large" {
            // Enough rows for the 6,000 RPM quota to bind past its first minute's bucket.
            try await scenario(rows: 12000, serverRPM: 6000, pipelineRPM: nil, latency: .seconds(2), label: "6,000 RPM, 2 s answers, nothing set")
        }
    }

    /// `floor`: seconds the same rows took answered at once; printed against latency + that.
    /// Returns the elapsed seconds.
    @discardableResult
    static func scenario(
        rows: Int, serverRPM: Int, pipelineRPM: Int?, maxConcurrency: Int? = nil, latency: Duration, floor: Double? = nil, label: String
    ) async throws -> Double {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "promptmill-quota-\(getpid())-\(rows)-\(pipelineRPM ?? 0)-\(maxConcurrency ?? 0)"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let lines = (1...rows).map { "{\"id\":\"r\($0)\",\"text\":\"review number \($0): the kettle works but the lid is loose\"}" }
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory + "/rows.jsonl", atomically: true, encoding: .utf8)
        let written = [pipelineRPM.map { "requests_per_minute: \($0)" }, maxConcurrency.map { "max_concurrency: \($0)" }].compactMap { $0 }
        let limits = written.isEmpty ? "" : "limits: {\(written.joined(separator: ", "))}"
        let pipeline = """
            name: bench-quota
            input: {path: rows.jsonl, id: id}
            endpoint: chat
            model: gpt-4o-mini
            messages: [{role: user, content: "Sentiment of this review, one word: {{text}}"}]
            params: {max_tokens: 3, temperature: 0}
            \(limits)
            output: {path: out.jsonl.gz}
            """
        try pipeline.write(toFile: directory + "/pipeline.yaml", atomically: true, encoding: .utf8)
        var simulated = SimulatorConfiguration()
        simulated.requestsPerMinute = serverRPM
        simulated.latency = latency
        let run = try await SimulatedRun(pipeline: directory + "/pipeline.yaml", simulator: simulated, scratch: directory)
        let (report, seconds, served) = (run.report, run.seconds, run.served)
        let latencySeconds = Double(latency.components.seconds) + Double(latency.components.attoseconds) / 1e18
        let bound = Double(max(0, rows - serverRPM)) / Double(serverRPM) * 60
        print(
            String(
                format:
                    "%@: %d rows, %d answered; elapsed %.2f s; bound %.2f s (%+.2f%%), bound + latency %.2f s (%+.2f%%); 429s %d of %d requests (%.2f%%); peak in flight %d; complete %@",
                label, rows, report.statistics.succeeded, seconds, bound, bound > 0 ? (seconds / bound - 1) * 100 : .infinity,
                bound + latencySeconds, (seconds / (bound + latencySeconds) - 1) * 100, served.rateLimited, served.requests,
                run.rateLimitedPercent, served.peakInFlight, report.complete ? "yes" : "no"))
        if let floor {
            print(
                String(
                    format: "    against latency + the same rows answered at once (%.2f + %.2f s): %+.2f%%", latencySeconds, floor,
                    (seconds / (latencySeconds + floor) - 1) * 100))
        }
        return seconds
    }
}

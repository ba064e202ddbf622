import Foundation
import Testing
import PromptmillCore
import PromptmillSimulator
import PromptmillTesting

/// Rows that ask exactly what another row of the run asks are not sent twice, even when
/// they are read while the first is still in flight: they follow it, as cache hits.
@Suite struct DuplicatePromptTests {
    /// 300 rows, 30 distinct texts, all in flight together: 30 prompts paid, 300 records.
    static func rows() -> String {
        (1...300).map { "{\"id\":\"d\($0)\",\"text\":\"kettle review \($0 % 30) is \(["great", "awful", "fine"][$0 % 3])\"}\n" }.joined()
    }

    @Test func oneStepPaysEachPromptOnce() async throws {
        var simulator = SimulatorConfiguration()
        simulator.latency = .milliseconds(30)
        let harness = try await RunHarness(simulator: simulator)
        defer { Task { await harness.stop() } }
        let (report, records) = try await harness.run(
            pipeline: """
                name: duplicates
                input: {path: INPUT, id: id}
                endpoint: completions
                model: gpt-3.5-turbo-instruct
                prompt: "Classify the sentiment. Review: {{text}}\\nSentiment:"
                params: {max_tokens: 3, temperature: 0}
                batch_size: 5
                limits: {max_concurrency: 16, requests_per_minute: 100000}
                output: {path: out.jsonl.gz, include: [id]}
                """, input: Self.rows())
        #expect(report.exitCode == 0)
        #expect(records.count == 300)
        #expect(try harness.promptCounts().reduce(0, +) == 30)
        #expect(report.statistics.cacheHits == 270)
        #expect(records.filter { $0["cached"] == .bool(false) }.count == 30)
        // Every copy has its original's answer.
        var answers: [String: JSONValue] = [:]
        for record in records {
            guard case .object(let input)? = record["input"], case .string(let id)? = input["id"], let number = Int(id.dropFirst()) else { continue }
            let text = "\(number % 30)-\(number % 3)"
            if let first = answers[text] { #expect(record["output"] == first, "row \(id)") } else { answers[text] = record["output"] }
        }
        let summary = try harness.file("out.jsonl.gz.summary.json")
        #expect(summary.contains("\"cache_hits\": 270"))
    }

    @Test func multiStepPaysEachPromptOnce() async throws {
        var simulator = SimulatorConfiguration()
        simulator.latency = .milliseconds(30)
        let harness = try await RunHarness(simulator: simulator)
        defer { Task { await harness.stop() } }
        let (report, records) = try await harness.run(
            pipeline: """
                name: duplicate-steps
                input: {path: INPUT, id: id}
                steps:
                  - name: screen
                    endpoint: moderations
                    model: omni-moderation-latest
                    input_field: text
                    batch_size: 4
                  - name: label
                    endpoint: completions
                    model: gpt-3.5-turbo-instruct
                    prompt: "Classify the sentiment. Review: {{text}}\\nSentiment:"
                    params: {max_tokens: 3}
                    batch_size: 5
                limits: {max_concurrency: 16, requests_per_minute: 100000}
                output: {path: out.jsonl.gz, include: [id]}
                """, input: Self.rows())
        #expect(report.exitCode == 0)
        #expect(records.count == 300)
        #expect(try harness.promptCounts(endpoint: "moderations").reduce(0, +) == 30)
        #expect(try harness.promptCounts(endpoint: "completions").reduce(0, +) == 30)
        #expect(
            records.allSatisfy { record in
                guard case .object(let steps)? = record["steps"], case .object(let label)? = steps["label"] else { return false }
                return label["output"] != .null
            })
    }
}

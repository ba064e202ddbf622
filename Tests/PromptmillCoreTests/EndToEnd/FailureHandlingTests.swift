import Foundation
import Testing
import PromptmillCore
import PromptmillSimulator
import PromptmillTesting

/// What a run survives, and how it stops when it must.
@Suite struct FailureHandlingTests {
    static func pipeline(batchSize: Int, extra: String = "") -> String {
        """
        name: failures
        input: {path: INPUT, id: key}
        endpoint: completions
        model: gpt-3.5-turbo-instruct
        prompt: "Continue: {{text}}"
        params: {max_tokens: 5}
        batch_size: \(batchSize)
        limits: {max_concurrency: 8, max_retries: 12}
        output: {path: out.jsonl.gz}
        \(extra)
        """
    }

    static func outputs(_ records: [JSONObject]) -> [String: JSONValue] {
        Dictionary(uniqueKeysWithValues: records.map { ($0.string("id")!, $0["output"]!) })
    }

    /// With 5% 500s, 3% 503s, 2% dropped connections and 1% truncated bodies, every row gets
    /// the answer a clean server gives.
    @Test func everyRowRightUnderFaults() async throws {
        var faulty = SimulatorConfiguration()
        faulty.faults = SimulatorFaults(serverError500: 0.05, serviceUnavailable503: 0.03, droppedConnection: 0.02, truncatedBody: 0.01)
        faulty.seed = 3
        let harness = try await RunHarness(simulator: faulty)
        defer { Task { await harness.stop() } }
        let input = CompletionsRunTests.rows(600)
        let (report, records) = try await harness.run(pipeline: Self.pipeline(batchSize: 4), input: input)
        #expect(report.exitCode == 0)
        #expect(records.count == 600)
        let served = harness.simulator.statistics()
        #expect(served.byStatus[500, default: 0] + served.byStatus[503, default: 0] + served.dropped + served.truncated > 0)
        let clean = try await RunHarness()
        defer { Task { await clean.stop() } }
        let (_, reference) = try await clean.run(pipeline: Self.pipeline(batchSize: 4), input: input)
        #expect(Self.outputs(records) == Self.outputs(reference))
        #expect(records.allSatisfy { $0["error"] == .null })
    }

    /// Every answer insufficient_quota: the run stops at the first answer, with exit 4 and a
    /// message naming the cause, and no row is recorded as done. (How fast, in seconds, is
    /// `promptmill-bench failures`' figure: a timed assertion here would only measure how
    /// busy the machine running the tests is.)
    @Test func quotaStopsAtTheFirstAnswer() async throws {
        var broke = SimulatorConfiguration()
        broke.insufficientQuota = true
        let harness = try await RunHarness(simulator: broke)
        defer { Task { await harness.stop() } }
        let (report, records) = try await harness.run(pipeline: Self.pipeline(batchSize: 20), input: CompletionsRunTests.rows(2000))
        // The first answer stops the job: only the requests already in flight (at most
        // max_concurrency, 8) were sent; no retry, no second wave.
        #expect(harness.simulator.statistics().requests <= 8)
        #expect(report.exitCode == 4)
        #expect(report.stop?.message.contains("insufficient_quota") == true)
        #expect(records.isEmpty)
        #expect(report.statistics.items == 0)
    }

    /// A 20-prompt batch with one prompt over the context window: 19 results and one
    /// context_length_exceeded error record.
    @Test func overLongPromptFailsAlone() async throws {
        let harness = try await RunHarness()
        defer { Task { await harness.stop() } }
        var lines = (1...20).map { "{\"key\":\"k\($0)\",\"text\":\"short row \($0)\"}" }
        lines[12] = "{\"key\":\"k13\",\"text\":\"\(String(repeating: "lorem ipsum ", count: 5000))\"}"
        let (report, records) = try await harness.run(pipeline: Self.pipeline(batchSize: 20), input: lines.joined(separator: "\n"))
        #expect(report.exitCode == 0)
        #expect(records.count == 20)
        let failed = records.filter { $0["error"] != .null }
        #expect(failed.map { $0.string("id") } == ["k13"])
        guard case .object(let error)? = failed.first?["error"] else { Issue.record("no error record"); return }
        #expect(error["type"] == .string("context_length_exceeded"))
        #expect(error["status"] == .number("400"))
        #expect(records.filter { $0["error"] == .null }.count == 19)
    }

    /// A prompt bigger than the whole tokens-per-minute bucket can never be sent: it gets an
    /// error record at once, and the rest run.
    @Test func promptBiggerThanBucketIsRefused() async throws {
        let harness = try await RunHarness()
        defer { Task { await harness.stop() } }
        var lines = (1...5).map { "{\"key\":\"k\($0)\",\"text\":\"row \($0)\"}" }
        lines[2] = "{\"key\":\"k3\",\"text\":\"\(String(repeating: "word ", count: 400))\"}"
        let pipeline = Self.pipeline(batchSize: 5).replacingOccurrences(of: "max_retries: 12}", with: "max_retries: 12, tokens_per_minute: 300}")
        let (report, records) = try await harness.run(pipeline: pipeline, input: lines.joined(separator: "\n"))
        #expect(report.exitCode == 0)
        #expect(records.count == 5)
        let failed = records.filter { $0["error"] != .null }
        #expect(failed.map { $0.string("id") } == ["k3"])
        guard case .object(let error)? = failed.first?["error"], case .string(let message)? = error["message"] else {
            Issue.record("no error record")
            return
        }
        #expect(error["type"] == .string("request_too_large"))
        #expect(message.hasSuffix("more than the whole tokens-per-minute limit of 300: it can never be sent — shorten it or lower max_tokens"))
    }
}

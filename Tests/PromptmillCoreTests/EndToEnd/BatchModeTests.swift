import Foundation
import PromptmillCore
import PromptmillSimulator
import Testing

/// Issue 15 on the real HTTP path: the simulator serves the Files and Batch APIs, the job
/// runs in `mode: batch` or `auto` and its records are checked against a live run's.
@Suite struct BatchModeTests {
    static func pipeline(rows: Int, mode: String, extra: String = "") -> String {
        """
        name: batch-job
        input: {path: INPUT, id: id}
        endpoint: chat
        model: gpt-5-mini
        messages:
          - {role: user, content: "Label this review: {{text}}"}
        params: {max_completion_tokens: 20}
        mode: \(mode)
        \(extra)
        output: {path: out.jsonl.gz}
        """
    }

    static func input(rows: Int) -> String {
        (1...rows).map { #"{"id": \#($0), "text": "review number \#($0) of a kettle"}"# }.joined(separator: "\n") + "\n"
    }

    static func answers(_ records: [JSONObject]) -> [String: String] {
        var answers: [String: String] = [:]
        for record in records {
            guard let id = record["id"] else { continue }
            if case .string(let text)? = record["output"] { answers["\(id)"] = text }
        }
        return answers
    }

    static func summary(_ harness: RunHarness) throws -> JSONObject {
        let text = try String(contentsOfFile: harness.outputPath + ".summary.json", encoding: .utf8)
        guard case .object(let object) = try Array(text.utf8).withUnsafeBytes({ try JSONParser.parse($0) }) else { return JSONObject() }
        return object
    }

    static func number(_ object: JSONObject, _ path: String...) -> Double? {
        var value: JSONValue = .object(object)
        for key in path {
            guard case .object(let inner) = value, let next = inner[key] else { return nil }
            value = next
        }
        if case .number(let text) = value { return Double(text) }
        return nil
    }

    static let fastBatches = JobRunner.Options(batchPoll: .milliseconds(50))

    @Test func batchAnswersEqualLiveAtHalfThePrice() async throws {
        let rows = 1000
        var configuration = SimulatorConfiguration()
        configuration.batchSeconds = 0.5
        let live = try await RunHarness(simulator: configuration)
        defer { Task { await live.stop() } }
        let liveRun = try await live.run(pipeline: Self.pipeline(rows: rows, mode: "live"), input: Self.input(rows: rows))
        #expect(liveRun.report.complete)

        let batch = try await RunHarness(simulator: configuration)
        defer { Task { await batch.stop() } }
        try batch.directory.write("rows.jsonl", Self.input(rows: rows))
        try batch.writePipeline(Self.pipeline(rows: rows, mode: "batch"))
        let batchRun = try await batch.runAgain(options: Self.fastBatches)
        #expect(batchRun.report.complete)
        #expect(batchRun.records.count == rows)
        #expect(Self.answers(batchRun.records) == Self.answers(liveRun.records))
        // Only Files and Batch API calls: no live chat request.
        #expect(!batch.simulator.receivedRequests().contains { $0.path.hasSuffix("/chat/completions") })

        let liveSummary = try Self.summary(live)
        let batchSummary = try Self.summary(batch)
        let liveCost = try #require(Self.number(liveSummary, "cost_usd"))
        let batchCost = try #require(Self.number(batchSummary, "cost_usd"))
        // gpt-5-mini: batch figures are exactly half the standard ones in the table.
        #expect(abs(batchCost * 2 - liveCost) < 1e-12)
        #expect(Self.number(batchSummary, "by_mode", "batch", "rows") == Double(rows))
        #expect(Self.number(batchSummary, "by_mode", "standard", "rows") == 0)
        #expect(Self.number(liveSummary, "by_mode", "standard", "rows") == Double(rows))
    }

    @Test func failedAndExpiredLinesGoAgainUntilEveryRowIsAnswered() async throws {
        let rows = 600
        var configuration = SimulatorConfiguration()
        configuration.batchSeconds = 0.3
        configuration.batchLineFailures = 0.02
        configuration.batchExpireAt = 0.7
        let harness = try await RunHarness(simulator: configuration)
        defer { Task { await harness.stop() } }
        try harness.directory.write("rows.jsonl", Self.input(rows: rows))
        try harness.writePipeline(Self.pipeline(rows: rows, mode: "batch"))
        let run = try await harness.runAgain(options: Self.fastBatches)
        #expect(run.report.complete)
        #expect(run.records.count == rows)
        #expect(run.records.allSatisfy { $0["error"] == .null })
        let statistics = harness.simulator.statistics().batches
        #expect(statistics.linesExpired > 0)
        #expect(statistics.linesFailed > 0)
        #expect(statistics.created > 1)
        // Every row was paid for once: by a batch line, or live once its line had gone
        // three times.
        let live = harness.simulator.receivedRequests().filter { $0.path.hasSuffix("/chat/completions") }.count
        #expect(statistics.linesAnswered + live == rows)
    }

    @Test func batchesAreSizedToTheEnqueuedTokenLimit() async throws {
        let rows = 400
        var configuration = SimulatorConfiguration()
        configuration.batchSeconds = 0.2
        let harness = try await RunHarness(simulator: configuration)
        defer { Task { await harness.stop() } }
        try harness.directory.write("rows.jsonl", Self.input(rows: rows))
        try harness.writePipeline(Self.pipeline(rows: rows, mode: "batch", extra: "limits: {batch_queue_tokens: 2000}"))
        let run = try await harness.runAgain(options: Self.fastBatches)
        #expect(run.report.complete)
        #expect(run.records.count == rows)
        let statistics = harness.simulator.statistics().batches
        #expect(statistics.created >= 4)
        #expect(statistics.failed == 0)
    }

    @Test func theQueueLimitIsLearnedFromTokenLimitExceeded() async throws {
        let rows = 400
        var configuration = SimulatorConfiguration()
        configuration.batchSeconds = 0.2
        configuration.batchQueueTokens = 2000
        let harness = try await RunHarness(simulator: configuration)
        defer { Task { await harness.stop() } }
        try harness.directory.write("rows.jsonl", Self.input(rows: rows))
        try harness.writePipeline(Self.pipeline(rows: rows, mode: "batch"))
        let run = try await harness.runAgain(options: Self.fastBatches)
        #expect(run.report.complete)
        #expect(run.records.count == rows)
        let statistics = harness.simulator.statistics().batches
        #expect(statistics.failed == 1)
        #expect(statistics.linesAnswered == rows)
    }

    @Test func detachThenRerunCollectsWithoutASecondBatch() async throws {
        let rows = 300
        var configuration = SimulatorConfiguration()
        configuration.batchSeconds = 3
        let harness = try await RunHarness(simulator: configuration)
        defer { Task { await harness.stop() } }
        try harness.directory.write("rows.jsonl", Self.input(rows: rows))
        try harness.writePipeline(Self.pipeline(rows: rows, mode: "batch"))
        var options = Self.fastBatches
        options.detach = true
        let first = try await harness.runAgain(options: options)
        #expect(!first.report.complete)
        #expect(first.report.exitCode == 0)
        #expect(first.records.isEmpty)
        #expect(harness.simulator.statistics().batches.created == 1)

        // A kill between create and record: the ledger lost the batch's id.
        let ledger = try JobLedger(path: harness.directory.path + "/.promptmill/batch-job.ledger.sqlite")
        for var record in try ledger.batches() {
            record.batchID = nil
            record.status = "uploaded"
            try ledger.updateBatch(record)
        }
        let second = try await harness.runAgain(options: Self.fastBatches)
        #expect(second.report.complete)
        #expect(second.records.count == rows)
        #expect(Set(second.records.compactMap { $0["id"].map { "\($0)" } }).count == rows)
        let statistics = harness.simulator.statistics().batches
        #expect(statistics.created == 1)
        #expect(statistics.linesAnswered == rows)
    }

    @Test func autoWithAShortDeadlineGoesFlexAndSwitchesOnlyWhatMust() async throws {
        let rows = 300
        var configuration = SimulatorConfiguration()
        configuration.flexUnavailable = 0.2
        let harness = try await RunHarness(simulator: configuration)
        defer { Task { await harness.stop() } }
        try harness.directory.write("rows.jsonl", Self.input(rows: rows))
        try harness.writePipeline(Self.pipeline(rows: rows, mode: "auto", extra: "deadline: 2h"))
        let run = try await harness.runAgain()
        #expect(run.report.complete)
        #expect(run.records.count == rows)
        let summary = try Self.summary(harness)
        let flexRows = Self.number(summary, "by_mode", "flex", "rows") ?? 0
        let standardRows = Self.number(summary, "by_mode", "standard", "rows") ?? 0
        let switched = Self.number(summary, "switched_to_standard") ?? -1
        #expect(flexRows + standardRows == Double(rows))
        #expect(flexRows > 0)
        #expect(standardRows == switched)
        #expect((Self.number(summary, "flex_unavailable") ?? 0) > 0)
        #expect(harness.simulator.statistics().batches.created == 0)
    }

    /// A cap at half the job's batch cost: the batches hold only lines whose worst case fits,
    /// the run stops at the budget (exit 3) under the cap, and a rerun with a larger cap
    /// completes at the same total as one uninterrupted run.
    @Test func theBudgetHoldsInBatchMode() async throws {
        let rows = 400
        var configuration = SimulatorConfiguration()
        configuration.batchSeconds = 0.2
        let whole = try await RunHarness(simulator: configuration)
        defer { Task { await whole.stop() } }
        try whole.directory.write("rows.jsonl", Self.input(rows: rows))
        try whole.writePipeline(Self.pipeline(rows: rows, mode: "batch"))
        _ = try await whole.runAgain(options: Self.fastBatches)
        let cost = try #require(Self.number(try Self.summary(whole), "cost_usd"))

        let capped = try await RunHarness(simulator: configuration)
        defer { Task { await capped.stop() } }
        try capped.directory.write("rows.jsonl", Self.input(rows: rows))
        try capped.writePipeline(Self.pipeline(rows: rows, mode: "batch"))
        let first = try await capped.runAgain(options: Self.fastBatches) { $0.maxUSD = cost / 2 }
        #expect(first.report.exitCode == 3)
        #expect(!first.report.complete)
        let spent = try #require(Self.number(try Self.summary(capped), "cost_usd"))
        #expect(spent <= cost / 2)
        #expect(spent > 0)
        let second = try await capped.runAgain(options: Self.fastBatches) { $0.maxUSD = cost * 2 }
        #expect(second.report.complete)
        #expect(second.records.count == rows)
        #expect(abs((Self.number(try Self.summary(capped), "cost_usd") ?? 0) - cost) < 1e-12)
        #expect(capped.simulator.statistics().batches.linesAnswered == rows)
    }

    /// Cancel while the batch runs, a rerun that detaches again, then a rerun to the end: the
    /// cancelled batch's finished lines are kept, the rest go in one new batch, and no line
    /// is paid twice or refused as a repeated custom_id.
    @Test func cancelThenRerunsPayEveryLineOnce() async throws {
        let rows = 300
        var configuration = SimulatorConfiguration()
        // Batch time is the wall clock plus what the test advances: long enough that a
        // loaded machine's seconds cannot finish the batch before it is cancelled.
        configuration.batchSeconds = 200
        let harness = try await RunHarness(simulator: configuration)
        defer { Task { await harness.stop() } }
        try harness.directory.write("rows.jsonl", Self.input(rows: rows))
        let path = try harness.writePipeline(Self.pipeline(rows: rows, mode: "batch"))
        var detach = Self.fastBatches
        detach.detach = true
        _ = try await harness.runAgain(options: detach)
        harness.simulator.advanceBatchTime(by: .seconds(80))

        var overrides = PipelineOverrides(mockBaseURL: harness.simulator.baseURL)
        overrides.cachePath = harness.cachePath
        let pipeline = try PipelineLoader.load(path: path, overrides: overrides, environment: [:], apiKey: .required)
        let transport = AsyncHTTPClientTransport(maximumConnections: 4)
        let cancelled = try await BatchCancel.cancel(pipeline, transport: transport)
        await transport.shutdown()
        #expect(cancelled.count == 1)
        harness.simulator.advanceBatchTime(by: .seconds(40))

        let second = try await harness.runAgain(options: detach)
        #expect(second.report.exitCode == 0)
        harness.simulator.advanceBatchTime(by: .seconds(300))
        let third = try await harness.runAgain(options: Self.fastBatches)
        #expect(third.report.complete)
        #expect(third.records.count == rows)
        #expect(third.records.allSatisfy { $0["error"] == .null })
        let statistics = harness.simulator.statistics().batches
        let live = harness.simulator.receivedRequests().filter { $0.path.hasSuffix("/chat/completions") }.count
        #expect(statistics.linesAnswered + live == rows)
        #expect(statistics.created == 2)
        #expect(statistics.cancelled == 1)
        #expect(statistics.failed == 0)
    }
}

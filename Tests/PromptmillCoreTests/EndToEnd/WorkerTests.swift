import Foundation
import PromptmillCore
import PromptmillSimulator
import PromptmillTesting
import Testing

@testable import PromptmillPostgres

/// Several workers on one job's shared state (PostgreSQL) against the simulator over real
/// HTTP: rows claimed once, a dead worker's chunks taken over, one budget for all.
@Suite struct WorkerTests {
    static let pipeline = """
        name: workers
        input: {path: INPUT, id: id}
        endpoint: completions
        model: gpt-3.5-turbo-instruct
        prompt: "Classify the sentiment: {{text}}"
        params: {max_tokens: 3, temperature: 0}
        batch_size: 20
        limits: {max_concurrency: 8, max_retries: 2}
        output: {path: out.jsonl.gz, include: [id]}
        """

    static func configuration(_ harness: RunHarness) throws -> PipelineConfiguration {
        var overrides = PipelineOverrides(mockBaseURL: harness.simulator.baseURL)
        overrides.cachePath = harness.cachePath
        return try PipelineLoader.load(path: harness.directory.path + "/pipeline.yaml", overrides: overrides, environment: [:], apiKey: .required)
    }

    /// Two workers at once: each row is recorded once, by one of them, and paid once.
    @Test func twoWorkersSplitOneJob() async throws {
        var simulator = SimulatorConfiguration()
        simulator.latency = .milliseconds(40)
        let harness = try await RunHarness(simulator: simulator, state: .postgres)
        defer { Task { await harness.stop() } }
        try harness.directory.write("rows.jsonl", ResumeTests.rows(3000))
        try harness.writePipeline(Self.pipeline)
        async let first = harness.runAgain()
        async let second = harness.runAgain()
        let (a, b) = try await (first, second)
        #expect(a.report.exitCode == 0 && b.report.exitCode == 0)
        let records = try RunHarness.records(at: harness.outputPath)
        #expect(records.count == 3000)
        #expect(Set(ResumeTests.ids(records)).count == 3000)
        // Each worker recorded some rows; together, every row once.
        let own = [a, b].map { $0.report.statistics.items - $0.report.statistics.resumedRows }
        #expect(own.allSatisfy { $0 > 0 } && own.reduce(0, +) == 3000)
        // Nothing paid twice: the prompt tokens served are the records'. Each worker may
        // send one short batch more than one worker alone (its last rows).
        #expect(ResumeTests.promptTokens(records) == harness.simulator.statistics().promptTokens)
        #expect((150...152).contains(harness.simulator.statistics().requests))
        // The summary is the job's, whichever worker wrote it: every worker's requests and
        // the whole job's spend.
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: harness.outputPath + ".summary.json")))
        guard case .object(let summary) = try bytes.withUnsafeBytes({ try JSONParser.parse($0) }),
            case .object(let budget)? = summary["budget"], case .number(let cost)? = summary["cost_usd"]
        else {
            Issue.record("the summary has no budget or cost_usd")
            return
        }
        #expect(summary["items"] == .number("3000"))
        #expect(summary["complete"] == .bool(true))
        #expect(summary["requests"] == .number(String(harness.simulator.statistics().requests)))
        #expect(budget["spent_usd"] == .number(cost))
        // An estimate on any machine prices the job from the shared answers, not from
        // this machine's (empty) response cache.
        let configuration = try Self.configuration(harness)
        let catalog = try ModelCatalog.builtIn()
        #expect(try JobEstimator(configuration: configuration, catalog: catalog).estimate().cachedRows == 0)
        let answers = try #require(try harness.sharedState(for: configuration)).answers
        #expect(try JobEstimator(configuration: configuration, catalog: catalog, answers: answers).estimate().cachedRows == 3000)
        // Each worker run kept its timeline in the database; together they are the job's
        // requests, and the report's points add the two workers up.
        let store = try #require(try harness.sharedState(for: configuration)?.store as? any TimelineStore)
        let timeline = try store.timeline()
        #expect(Set(timeline.map(\.run)).count == 2)
        #expect(timeline.reduce(0) { $0 + $1.sample.requests } == harness.simulator.statistics().requests)
        #expect(timeline.reduce(0) { $0 + ($1.sample.rows["answered"] ?? 0) } == 3000)
        let report = try JobReport(configuration: configuration, timeline: store)
        #expect(report.timeline.samples == timeline.count)
        #expect(report.timeline.runStarts.count == 1)
        #expect(report.inputRows == 3000 && report.pendingRows == 0)
        #expect(try store.slowRequests(limit: 20).count == 20)
    }

    /// A worker that died holding a chunk: once its lease has passed, the live worker takes
    /// the chunk over and finishes the job; nothing is sent twice.
    @Test func deadWorkersChunkIsTakenOver() async throws {
        let harness = try await RunHarness(state: .postgres)
        defer { Task { await harness.stop() } }
        try harness.directory.write("rows.jsonl", ResumeTests.rows(3000))
        try harness.writePipeline(Self.pipeline)
        let configuration = try Self.configuration(harness)
        // The dead worker: started, joined, claimed the first chunk, then stopped renewing.
        let dead = try PostgresJobState.open(
            url: try StateKind.databaseURL(), jobName: configuration.name, lease: .milliseconds(600), schema: harness.schema)
        let start = try dead.store.start(
            name: configuration.name, fingerprint: JobFingerprint(configuration), outputPath: configuration.output.path, mode: .resume)
        let claims = try await dead.join(run: start.runID, rows: 3000)
        let claimed = try #require(try await claims.claim())
        #expect(claimed.rows == 1..<1025)
        await dead.stopHeartbeat(run: start.runID)?.value

        let result = try await harness.runAgain()
        #expect(result.report.exitCode == 0)
        #expect(result.report.complete)
        #expect(result.records.count == 3000)
        #expect(Set(ResumeTests.ids(result.records)).count == 3000)
        // Nothing paid twice; the chunk taken over ends in one short batch of its own.
        #expect(ResumeTests.promptTokens(result.records) == harness.simulator.statistics().promptTokens)
        #expect((150...151).contains(harness.simulator.statistics().requests))
    }

    /// Two workers under one cap of half the job's cost: what the API was paid stays under
    /// the cap, both stop with exit 3, and a run with a larger cap finishes the job.
    @Test func oneBudgetHoldsAcrossWorkers() async throws {
        let reference = try await RunHarness(simulator: BudgetTests.simulator())
        defer { Task { await reference.stop() } }
        let whole = try await reference.run(pipeline: BudgetTests.pipeline, input: ResumeTests.rows(1200))
        let cost = try #require(whole.report.statistics.cost)

        let harness = try await RunHarness(simulator: BudgetTests.simulator(), state: .postgres)
        defer { Task { await harness.stop() } }
        try harness.directory.write("rows.jsonl", ResumeTests.rows(1200))
        try harness.writePipeline(BudgetTests.pipeline)
        let cap = Money(picodollars: cost.picodollars / 2)
        async let first = harness.runAgain { $0.maxUSD = cap.dollars }
        async let second = harness.runAgain { $0.maxUSD = cap.dollars }
        let (a, b) = try await (first, second)
        #expect(a.report.exitCode == 3 && b.report.exitCode == 3)
        let paid = BudgetTests.served(harness.simulator)
        #expect(paid <= Money(dollars: cap.dollars), "the API was paid \(paid) under a cap of \(cap)")
        #expect(paid.picodollars * 10 > cap.picodollars * 7)
        // Each worker's stop names the job's spend, not its own share of it.
        for stop in [a.report.stop, b.report.stop] {
            guard case .budget(_, let spent)? = stop else {
                Issue.record("stopped by \(String(describing: stop)), not the budget")
                continue
            }
            #expect(spent.picodollars * 10 >= paid.picodollars * 9, "a worker's stop says \(spent) of \(paid) paid")
        }

        let rerun = try await harness.runAgain { $0.maxUSD = cost.dollars * 2 }
        #expect(rerun.report.exitCode == 0)
        #expect(rerun.records.count == 1200)
        #expect(Set(ResumeTests.ids(rerun.records)).count == 1200)
        #expect(rerun.report.statistics.cost == cost)
        #expect(BudgetTests.served(harness.simulator) == cost)
    }
}

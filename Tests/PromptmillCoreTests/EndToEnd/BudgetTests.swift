import Foundation
import Testing
import PromptmillCore
import PromptmillSimulator
import PromptmillTesting

/// Budgets against the simulator over real HTTP: a hard cap that holds with 32 requests in
/// flight, a stop with exit 3, and a rerun that finishes the job at the same total cost.
@Suite struct BudgetTests {
    static let pipeline = """
        name: budget
        input: {path: INPUT, id: id}
        endpoint: completions
        model: gpt-3.5-turbo-instruct
        prompt: "Classify the sentiment: {{text}}"
        params: {max_tokens: 6, temperature: 0}
        batch_size: 4
        limits: {max_concurrency: 32, max_retries: 2}
        output: {path: out.jsonl.gz, include: [id]}
        """

    static let prices = (input: Money(picodollars: 1_500_000), output: Money(picodollars: 2_000_000))

    /// What the simulator was paid for: the usage of every answer it delivered, priced.
    static func served(_ simulator: Simulator) -> Money {
        let statistics = simulator.statistics()
        return prices.input * statistics.promptTokens + prices.output * statistics.completionTokens
    }

    static func simulator() -> SimulatorConfiguration {
        var configuration = SimulatorConfiguration()
        // Long enough that 32 requests overlap even on a busy machine.
        configuration.latency = .milliseconds(150)
        return configuration
    }

    @Test(arguments: StateKind.allCases) func capHoldsWith32InFlightAndARerunFinishesAtTheSameCost(state: StateKind) async throws {
        let rows = ResumeTests.rows(1200)
        // The job uninterrupted: what it costs.
        let reference = try await RunHarness(simulator: Self.simulator(), state: state)
        defer { Task { await reference.stop() } }
        let whole = try await reference.run(pipeline: Self.pipeline, input: rows)
        #expect(whole.report.exitCode == 0)
        let cost = try #require(whole.report.statistics.cost)
        #expect(cost == Self.served(reference.simulator))

        // The same job with a cap of half that: it stops, exit 3, at or under the cap.
        let harness = try await RunHarness(simulator: Self.simulator(), state: state)
        defer { Task { await harness.stop() } }
        let cap = Money(picodollars: cost.picodollars / 2)
        try harness.directory.write("rows.jsonl", rows)
        try harness.writePipeline(Self.pipeline)
        let capped = try await harness.runAgain { $0.maxUSD = cap.dollars }
        #expect(capped.report.exitCode == 3)
        #expect(capped.report.stop == .budget(cap: Money(dollars: cap.dollars), spent: capped.report.statistics.spent!))
        let paid = Self.served(harness.simulator)
        #expect(paid <= Money(dollars: cap.dollars), "the API was paid \(paid) under a cap of \(cap)")
        #expect(try #require(capped.report.statistics.spent) == paid)
        // The cap was used, not merely respected: more than 80% of it was spent.
        #expect(paid.picodollars * 10 > cap.picodollars * 8)
        #expect(capped.records.count < 1200)
        // Many requests were in flight at once (the cap is kept with reservations, not by
        // sending one at a time). How many overlap depends on the machine's load while the
        // whole suite runs (21 to 32 seen here), so the bound is half of the 32 allowed.
        // On shared state each request also waits for its database round trips (rate and
        // spend reservations), so fewer overlap on a loaded machine (8 seen here); still
        // never one at a time.
        #expect(harness.simulator.statistics().peakInFlight >= (state == .sqlite ? 16 : 4))

        // Run again with a larger cap: it finishes, and the job's totals are the
        // uninterrupted run's; no prompt was paid twice.
        let rerun = try await harness.runAgain { $0.maxUSD = cost.dollars * 2 }
        #expect(rerun.report.exitCode == 0)
        #expect(rerun.records.count == 1200)
        #expect(Set(ResumeTests.ids(rerun.records)).count == 1200)
        #expect(rerun.report.statistics.usage == whole.report.statistics.usage)
        #expect(rerun.report.statistics.cost == cost)
        #expect(Self.served(harness.simulator) == cost)
        #expect(ResumeTests.outputs(rerun.records) == ResumeTests.outputs(whole.records))
        let summary = try harness.file("out.jsonl.gz.summary.json")
        #expect(summary.contains("\"stopped\": false"))
        #expect(summary.contains("\"cost_usd\": \(cost.decimalText)"))
    }

    /// Answers a run paid for but never recorded (here: the output was lost) count against
    /// the cap when the job runs again, once: they come back from the cache as the job's own.
    @Test(arguments: StateKind.allCases) func unrecordedPaidAnswersCountOnceAgainstTheCap(state: StateKind) async throws {
        let harness = try await RunHarness(state: state)
        defer { Task { await harness.stop() } }
        try harness.directory.write("rows.jsonl", ResumeTests.rows(60))
        try harness.writePipeline(Self.pipeline)
        let first = try await harness.runAgain()
        let cost = try #require(first.report.statistics.cost)
        try FileManager.default.removeItem(atPath: harness.outputPath)
        // The whole job was paid already: a cap of 1.5× leaves room for no more than half again.
        let again = try await harness.runAgain { $0.maxUSD = cost.dollars * 1.5 }
        #expect(again.report.exitCode == 0)
        #expect(again.report.statistics.cost == cost)
        #expect(again.report.statistics.spent == cost)
        #expect(again.records.allSatisfy { $0["cached"] == .bool(false) })
        #expect(Self.served(harness.simulator) == cost)
    }

    /// A cap too small for even one prompt's worst case sends nothing and says so.
    @Test(arguments: StateKind.allCases) func capBelowOnePromptSendsNothing(state: StateKind) async throws {
        let harness = try await RunHarness(state: state)
        defer { Task { await harness.stop() } }
        try harness.directory.write("rows.jsonl", ResumeTests.rows(10))
        try harness.writePipeline(Self.pipeline)
        let result = try await harness.runAgain { $0.maxUSD = 0.00001 }
        #expect(result.report.exitCode == 3)
        #expect(result.records.isEmpty)
        #expect(harness.simulator.statistics().requests == 0)
        #expect(result.report.stop?.message.contains("--max-usd") == true)
    }

    /// A model with no price: a budget is refused before anything is sent, with the fix;
    /// without a budget the job runs and its cost is unknown (null), not zero.
    @Test func unpricedModelRefusesABudgetAndRunsWithoutOne() async throws {
        var simulator = SimulatorConfiguration()
        simulator.extraModels = ["davinci-house-model"]
        let harness = try await RunHarness(simulator: simulator)
        defer { Task { await harness.stop() } }
        let unpriced =
            Self.pipeline.replacingOccurrences(of: "gpt-3.5-turbo-instruct", with: "davinci-house-model")
            + "\ntokenizer: o200k_base\n"
        try harness.directory.write("rows.jsonl", ResumeTests.rows(8))
        try harness.writePipeline(unpriced + "budget: {max_usd: 1.0}\n")
        do {
            _ = try await harness.runAgain()
            Issue.record("a budget on an unpriced model was accepted")
        } catch let problems as PipelineProblems {
            #expect(problems.description.contains("pricing: {davinci-house-model: {input:"))
        }
        #expect(harness.simulator.statistics().requests == 0)

        try harness.writePipeline(unpriced)
        let result = try await harness.runAgain()
        #expect(result.report.exitCode == 0)
        #expect(result.report.statistics.cost == nil)
        #expect(result.records.allSatisfy { $0["cost_usd"] == .null })
        #expect(try harness.file("out.jsonl.gz.summary.json").contains("\"cost_usd\": null"))

        // With pricing: the same model is priced by the pipeline's figures.
        try harness.writePipeline(unpriced + "pricing: {davinci-house-model: {input: 1.0, output: 4.0}}\nbudget: {max_usd: 5}\n")
        let priced = try await harness.runAgain(options: JobRunner.Options(fresh: true))
        #expect(priced.report.exitCode == 0)
        // Cache hits now (the first run stored every answer): free, and the saving is priced.
        #expect(priced.report.statistics.cost == .zero)
        #expect(
            priced.report.statistics.saved == Money(picodollars: 1_000_000) * whole(result).promptTokens
                + Money(picodollars: 4_000_000) * whole(result).completionTokens)
    }

    private func whole(_ result: (report: RunReport, records: [JSONObject])) -> TokenUsage {
        result.report.statistics.usage
    }

    /// `warn_usd` prints one warning when the job's spend crosses it.
    @Test(arguments: StateKind.allCases) func warnsOnceWhenSpendCrossesWarnUSD(state: StateKind) async throws {
        let harness = try await RunHarness(state: state)
        defer { Task { await harness.stop() } }
        try harness.directory.write("rows.jsonl", ResumeTests.rows(200))
        try harness.writePipeline(Self.pipeline + "\nbudget: {warn_usd: 0.001}\n")
        let path = harness.directory.path + "/pipeline.yaml"
        var overrides = PipelineOverrides(mockBaseURL: harness.simulator.baseURL)
        overrides.cachePath = harness.cachePath
        let configuration = try PipelineLoader.load(path: path, overrides: overrides, environment: [:], apiKey: .required)
        let lines = LockedLines()
        let transport = AsyncHTTPClientTransport(maximumConnections: 8)
        let report = try await JobRunner(
            configuration: configuration, transport: transport,
            progress: ProgressReporter(mode: .quiet, write: { lines.append($0) }), shared: try harness.sharedState(for: configuration)
        ).run()
        await transport.shutdown()
        #expect(report.exitCode == 0)
        #expect(try #require(report.statistics.cost) > Money(dollars: 0.001))
        let warnings = lines.all.filter { $0.contains("budget.warn_usd") }
        #expect(warnings.count == 1)
    }
}

/// Lines written by a reporter, from any thread.
final class LockedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

/// Prompt tokens the API serves from its prompt cache are priced at the cached-input price,
/// end to end: the simulator reports them as OpenAI does.
@Suite struct PromptCachePricingTests {
    @Test func cachedPromptTokensArePricedAndAddUp() async throws {
        var simulator = SimulatorConfiguration()
        simulator.promptCaching = true
        let harness = try await RunHarness(simulator: simulator)
        defer { Task { await harness.stop() } }
        let preamble = String(repeating: "Read the review with care and answer with one word. ", count: 110)
        let rows = (1...12).map { "{\"id\":\"p\($0)\",\"text\":\"review \($0) is \(["great", "awful", "fine"][$0 % 3])\"}\n" }.joined()
        try harness.directory.write("rows.jsonl", rows)
        try harness.writePipeline(
            """
            name: prompt-cache
            input: {path: INPUT, id: id}
            endpoint: completions
            model: gpt-3.5-turbo-instruct
            prompt: "\(preamble){{text}}"
            params: {max_tokens: 3, temperature: 0}
            batch_size: 5
            limits: {max_concurrency: 2}
            output: {path: out.jsonl.gz, include: [id]}
            cache: {enabled: false}
            pricing: {gpt-3.5-turbo-instruct: {cached_input: 0.75}}
            """)
        let first = try await harness.runAgain()
        #expect(first.report.statistics.usage.cachedPromptTokens == 0)
        // The same prompts again: the simulator's prompt cache serves most of each.
        let second = try await harness.runAgain(options: JobRunner.Options(fresh: true))
        let usage = second.report.statistics.usage
        #expect(usage.cachedPromptTokens > 0)
        #expect(usage.cachedPromptTokens <= usage.promptTokens)
        let expected =
            Money(picodollars: 1_500_000) * (usage.promptTokens - usage.cachedPromptTokens)
            + Money(picodollars: 750_000) * usage.cachedPromptTokens + Money(picodollars: 2_000_000) * usage.completionTokens
        #expect(second.report.statistics.cost == expected)
        #expect(try #require(second.report.statistics.cost) < first.report.statistics.cost!)
        // Each row's share: cached tokens never above its prompt tokens; the rows add up.
        var cachedSum = 0
        var costSum = Int64(0)
        for record in second.records {
            guard case .object(let rowUsage)? = record["usage"], case .number(let prompt)? = rowUsage["prompt_tokens"],
                case .object(let details)? = rowUsage["prompt_tokens_details"], case .number(let cached)? = details["cached_tokens"]
            else {
                Issue.record("record without cached tokens: \(record)")
                continue
            }
            #expect(Int(cached)! <= Int(prompt)!)
            cachedSum += Int(cached)!
            costSum += SamplePipelineTests.picodollars(record["cost_usd"]) ?? 0
        }
        #expect(cachedSum == usage.cachedPromptTokens)
        #expect(costSum == expected.picodollars)
    }
}

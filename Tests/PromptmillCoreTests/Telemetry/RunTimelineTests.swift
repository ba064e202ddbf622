import Foundation
import PromptmillCore
import PromptmillSimulator
import Testing

/// The timeline a run keeps in its job's ledger, for `promptmill report`: over real HTTP
/// against the simulator, its samples add up to the summary's figures.
@Suite struct RunTimelineTests {
    static func pipeline(rows: Int) -> String {
        """
        name: timeline
        input: {path: INPUT, id: key}
        endpoint: completions
        model: gpt-3.5-turbo-instruct
        prompt: "Continue: {{text}}"
        params: {max_tokens: 5}
        batch_size: 4
        limits: {max_concurrency: 8, max_retries: 12}
        output: {path: out.jsonl.gz}
        """
    }

    /// The job's ledger after a run under faults and a cache-served rerun.
    static func timeline(_ harness: RunHarness) throws -> [(run: Int64, sample: TimelineSample)] {
        let configuration = try harness.configuration()
        let ledger = try JobLedger(path: JobLedger.path(stateDirectory: configuration.stateDirectory, jobName: configuration.name), readOnly: true)
        return try ledger.timeline()
    }

    /// With 500s, dropped connections and 429s from the server, each run's samples add up
    /// to what its summary says: requests, 429 answers, retries by cause, tokens, and rows
    /// by outcome; a `--fresh` rerun from the cache is a second run of rows `cached`.
    @Test func samplesAddUpToTheSummary() async throws {
        var faulty = SimulatorConfiguration()
        faulty.faults = SimulatorFaults(serverError500: 0.05, serviceUnavailable503: 0, droppedConnection: 0.03, truncatedBody: 0)
        faulty.requestsPerMinute = 3_000
        faulty.seed = 17
        let harness = try await RunHarness(simulator: faulty)
        defer { Task { await harness.stop() } }
        let (report, records) = try await harness.run(pipeline: Self.pipeline(rows: 400), input: CompletionsRunTests.rows(400))
        #expect(records.count == 400)
        let figures = report.statistics
        let first = try Self.timeline(harness)
        let samples = first.map(\.sample)
        #expect(Set(first.map(\.run)).count == 1)
        #expect(samples.reduce(0) { $0 + $1.requests } == figures.requests)
        #expect(samples.reduce(0) { $0 + $1.rateLimited } == figures.rateLimited)
        #expect(samples.reduce(0) { $0 + $1.retries.values.reduce(0, +) } == figures.retries)
        #expect(figures.retries > 0)
        #expect(samples.reduce(0) { $0 + ($1.retries[RetryCause.serverError.rawValue] ?? 0) } > 0)
        #expect(samples.reduce(0) { $0 + $1.promptTokens } == figures.usage.promptTokens)
        #expect(samples.reduce(0) { $0 + $1.completionTokens } == figures.usage.completionTokens)
        #expect(samples.reduce(0) { $0 + ($1.rows["answered"] ?? 0) } == figures.succeeded)
        #expect(samples.reduce(0) { $0 + $1.latency.reduce(0, +) } > 0)
        // The job's spend: answers recorded, and those paid whose rows were lost with a connection.
        #expect(samples.last?.spentUSD == (figures.spent ?? figures.cost)?.dollars)
        #expect(samples.last?.spentUSD ?? 0 >= figures.cost?.dollars ?? 0)
        #expect(samples.allSatisfy { $0.inFlight <= 8 })

        _ = try await harness.runAgain(options: JobRunner.Options(fresh: true))
        let both = try Self.timeline(harness)
        let runs = Set(both.map(\.run))
        #expect(runs.count == 1, "--fresh forgets the earlier run and its timeline")
        let second = both.map(\.sample)
        #expect(second.reduce(0) { $0 + ($1.rows["cached"] ?? 0) } == 400)
        #expect(second.reduce(0) { $0 + $1.requests } == 0)
    }
}

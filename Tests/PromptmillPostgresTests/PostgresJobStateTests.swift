import Foundation
@testable import PromptmillCore
@testable import PromptmillPostgres
import Testing

@Suite struct PostgresJobStateTests {
    /// Parts list each run's committed end and rows; status lists each worker.
    @Test func partsAndWorkersShowEachRun() async throws {
        try await SharedJobFixture.with(2) { states in
            let first = try SharedJobFixture.start(states[0]).runID
            let second = try SharedJobFixture.start(states[1]).runID
            let claims = try await states[0].join(run: first, rows: 3_000)
            _ = try await claims.claim()
            try states[0].store.commit(SharedJobFixture.segment(1...4, end: 100), run: first, counters: .init(), outcome: nil)
            try states[0].store.commit(SharedJobFixture.segment(7...8, end: 180), run: first, counters: .init(), outcome: nil)
            try states[1].store.commit(SharedJobFixture.segment(5...6, end: 50), run: second, counters: .init(), outcome: "complete")

            let parts = try states[1].parts()
            #expect(parts.map(\.run) == [first, second])
            #expect(
                parts.map(\.path) == [
                    OutputPart.path(output: SharedJobFixture.outputPath, run: first),
                    OutputPart.path(output: SharedJobFixture.outputPath, run: second),
                ])
            #expect(parts.map(\.committedEnd) == [180, 50])
            var firstRows = RowRanges()
            for row in [1, 2, 3, 4, 7, 8] { firstRows.append(row) }
            #expect(parts[0].rows == firstRows)
            #expect(parts[1].rows.count == 2)

            let workers = try states[1].workers()
            #expect(workers.map(\.run) == [first, second])
            #expect(workers.map(\.rows) == [6, 2])
            #expect(workers.map(\.chunks) == [1, 0])
            #expect(workers.map(\.outcome) == [nil, "complete"])
            #expect(workers.allSatisfy { $0.pid == Int(getpid()) && !$0.host.isEmpty })
            #expect(workers[0].leaseSeconds > 0)
            await states[0].leave(run: first)
            #expect(try states[1].workers()[0].leaseSeconds <= 0)
            #expect(try states[1].workers()[0].chunks == 0)
        }
    }

    /// One worker at a time holds the right to write the job's output.
    @Test func oneWorkerCollects() async throws {
        try await SharedJobFixture.with(2) { states async throws in
            #expect(try await states[0].beginCollect())
            #expect(try await states[1].beginCollect() == false)
            await states[0].endCollect()
            #expect(try await states[1].beginCollect())
            await states[1].endCollect()
        }
    }

    /// Workers pace their sends with the account's one set of buckets: what one reserved,
    /// another sees taken.
    @Test func workersShareTheAccountsBuckets() async throws {
        try await SharedJobFixture.with(2) { states in
            let limits = PipelineConfiguration.Limits(
                requestsPerMinute: 6, tokensPerMinute: 60_000, maxConcurrency: nil, maxRetries: 0, timeout: .seconds(60))
            let first = states[0].throttle(model: "gpt-test", baseURL: "https://api.example.com/v1", limits: limits, clock: ContinuousClock())
            for _ in 0..<3 { _ = try await first.acquire(tokenCost: 10) }
            let second = states[1].throttle(model: "gpt-test", baseURL: "https://api.example.com/v1", limits: limits, clock: ContinuousClock())
            let seen = await second.snapshot
            #expect(seen.requestsPerMinute == 6)
            // Alone it would have all 6; one request comes back every 10 s.
            #expect(try #require(seen.availableRequests) < 6)
        }
    }
}

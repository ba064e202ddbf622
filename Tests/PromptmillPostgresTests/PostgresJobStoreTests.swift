import Foundation
@testable import PromptmillCore
@testable import PromptmillPostgres
import Testing

@Suite struct PostgresJobStoreTests {
    /// Workers starting a new job at the same moment agree on one job: one generation, a run each.
    @Test func concurrentStartsAgreeOnOneJob() async throws {
        try await SharedJobFixture.with(3) { states in
            let starts = try await withThrowingTaskGroup(of: JobLedger.Start.self) { group in
                for state in states {
                    group.addTask { try SharedJobFixture.start(state) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(starts.map(\.progress.generation.bytes)).count == 1)
            #expect(Set(starts.map(\.runID)).count == 3)
            #expect(starts.allSatisfy { $0.restartReason == nil && !$0.resumed })
            let progress = try #require(try states[0].store.progress())
            #expect(progress.runCount == 3)
            #expect(progress.fingerprint == SharedJobFixture.fingerprint)
            #expect(progress.outputPath == SharedJobFixture.outputPath)
        }
    }

    /// Progress sums every worker's records and runs; its output end is the store's own run's part.
    @Test func progressSumsAcrossRuns() async throws {
        try await SharedJobFixture.with(3) { states in
            let first = try SharedJobFixture.start(states[0]).runID
            let second = try SharedJobFixture.start(states[1]).runID
            var counters = JobLedger.RunCounters()
            counters.requests = 4
            counters.retries = 1
            try states[0].store.commit(SharedJobFixture.segment(1...10, end: 700), run: first, counters: counters, outcome: nil)
            try states[1].store.commit(SharedJobFixture.segment(11...15, end: 300), run: second, counters: counters, outcome: nil)
            try states[0].store.commit(SharedJobFixture.segment(16...20, end: 1_000), run: first, counters: counters, outcome: "complete")

            let own = try #require(try states[0].store.progress())
            #expect(own.outputEnd == 1_000)
            #expect(try states[1].store.progress()?.outputEnd == 300)
            #expect(try states[2].store.progress()?.outputEnd == 0)
            #expect(own.done.count == 20)
            #expect(SharedJobFixture.rows(own.done, upTo: 30) == Array(1...20))
            #expect(own.records.items == 20)
            #expect(own.records.cost == Money(picodollars: 200))
            #expect(own.records.usage.promptTokens == 100)
            #expect(own.runs.requests == 8)
            #expect(own.runs.retries == 2)
            #expect(own.runCount == 2)
            #expect(own.lastOutcome == nil)

            // A worker joining later continues the same generation with every record.
            let later = try SharedJobFixture.start(states[2])
            #expect(later.resumed)
            #expect(later.restartReason == nil)
            #expect(later.progress.generation == own.generation)
            #expect(later.progress.done.count == 20)
            #expect(later.progress.outputEnd == 0)
            #expect(later.mayHaveUnrecordedAnswers)
        }
    }

    /// `--fresh` and a changed job are refused while another worker's lease is live, and
    /// start the job again once none is.
    @Test func freshIsRefusedWhileAWorkerIsLive() async throws {
        try await SharedJobFixture.with(2) { states in
            let running = try SharedJobFixture.start(states[0])
            _ = try await states[0].join(run: running.runID, rows: 10)
            try states[0].store.commit(SharedJobFixture.segment(1...3, end: 90), run: running.runID, counters: .init(), outcome: nil)

            let fresh = #expect(throws: StateError.self) { try SharedJobFixture.start(states[1], mode: .fresh) }
            #expect(
                message(fresh)
                    == "PostgreSQL \(states[1].location): starting job 'reviews' again (--fresh: starting the job again) failed: "
                    + "1 worker is running job 'reviews' on this database — stop them or wait for them to finish, then run again")
            var changed = SharedJobFixture.fingerprint
            changed.request = "request-2"
            let refused = #expect(throws: StateError.self) { try SharedJobFixture.start(states[1], fingerprint: changed) }
            #expect(
                message(refused)
                    == "PostgreSQL \(states[1].location): starting job 'reviews' again (since the last run, the model, template or params "
                    + "changed: starting the job again) failed: 1 worker is running job 'reviews' on this database — "
                    + "stop them or wait for them to finish, then run again")

            await states[0].leave(run: running.runID)
            let restarted = try SharedJobFixture.start(states[1], mode: .fresh)
            #expect(restarted.restartReason == "--fresh: starting the job again")
            #expect(restarted.progress.generation != running.progress.generation)
            #expect(restarted.progress.done.count == 0)
            #expect(restarted.progress.runCount == 1)
            #expect(try await states[1].jobDone() == false)
        }
    }

    /// The input's counts are kept for the fingerprint they were read with.
    @Test func inputScanIsKeptForItsFingerprint() async throws {
        try await SharedJobFixture.with(2) { states in
            try SharedJobFixture.start(states[0])
            try states[0].store.recordInputScan(fingerprint: SharedJobFixture.fingerprint, rows: 120, badRows: 3)
            #expect(try states[1].store.storedInputScan(for: SharedJobFixture.fingerprint)?.rows == 120)
            #expect(try states[1].store.storedInputScan(for: SharedJobFixture.fingerprint)?.badRows == 3)
            var changed = SharedJobFixture.fingerprint
            changed.input = "input-2"
            #expect(try states[1].store.storedInputScan(for: changed) == nil)
            #expect(try states[1].store.progress()?.inputRows == 120)
        }
    }

    /// `--retry-failed` writes the output again as the same generation: records go, the
    /// runs (and their spend) and what failed records were billed stay.
    @Test func retryFailedKeepsTheGeneration() async throws {
        try await SharedJobFixture.with(1) { states in
            let first = try SharedJobFixture.start(states[0])
            _ = try await states[0].join(run: first.runID, rows: 10)
            try states[0].store.commit(SharedJobFixture.segment(1...10, end: 500), run: first.runID, counters: .init(), outcome: "complete")
            await states[0].leave(run: first.runID)

            let again = try SharedJobFixture.start(states[0], mode: .rewrite)
            #expect(again.rewriting)
            #expect(again.progress.generation == first.progress.generation)
            #expect(again.progress.done.count == 0)
            #expect(again.progress.runCount == 2)
            #expect(try await states[0].jobDone() == false)
        }
    }
}

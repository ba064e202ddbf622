import Foundation
@testable import PromptmillCore
@testable import PromptmillPostgres
import Testing

@Suite struct PostgresRowClaimsTests {
    /// Workers claiming at once get every chunk, each exactly once.
    @Test func claimsAreNeverHandedTwice() async throws {
        let rows = 20_000
        try await SharedJobFixture.with(4) { states in
            let claimed = try await withThrowingTaskGroup(of: [Range<Int>].self) { group in
                for state in states {
                    group.addTask {
                        let run = try SharedJobFixture.start(state).runID
                        let claims = try await state.join(run: run, rows: rows)
                        var mine: [Range<Int>] = []
                        while let claim = try await claims.claim() {
                            #expect(claim.recorded.count == 0)
                            mine.append(claim.rows)
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0.append(contentsOf: $1) }
            }
            let chunks = stride(from: 1, through: rows, by: 1024).map { $0..<min($0 + 1024, rows + 1) }
            #expect(claimed.sorted { $0.lowerBound < $1.lowerBound } == chunks)
        }
    }

    /// A worker that stops renewing its lease (it died) has its chunk claimed again once the
    /// lease has passed, with the rows it recorded; until then, others wait for it.
    @Test func expiredLeaseChunkIsClaimedAgainWithItsRecords() async throws {
        try await SharedJobFixture.with(2, leases: [.milliseconds(300), .seconds(20)]) { states in
            let dying = try SharedJobFixture.start(states[0]).runID
            let dyingClaims = try await states[0].join(run: dying, rows: 1_500)
            #expect(try await dyingClaims.claim()?.rows == 1..<1025)
            try states[0].store.commit(SharedJobFixture.segment(1...100, end: 400), run: dying, counters: .init(), outcome: nil)
            states[0].stopHeartbeat(run: dying)

            let survivor = try SharedJobFixture.start(states[1]).runID
            let claims = try await states[1].join(run: survivor, rows: 1_500)
            var got: [Range<Int>: RowClaim] = [:]
            for _ in 0..<400 where got.count < 2 {
                if let claim = try await claims.claim() {
                    got[claim.rows] = claim
                } else {
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            #expect(got[1025..<1501]?.recorded.count == 0)
            let claim = try #require(got[1..<1025])
            #expect(SharedJobFixture.rows(claim.recorded, upTo: 1_500) == Array(1...100))
            #expect(try await claims.othersHoldChunks() == false)
            #expect(try await states[1].jobDone() == false)
            try await claims.settleDone()
            #expect(try await states[1].jobDone())
        }
    }

    /// While a live worker holds chunks, others see it and claim nothing of them.
    @Test func liveHoldersKeepTheirChunks() async throws {
        try await SharedJobFixture.with(2) { states in
            let first = try SharedJobFixture.start(states[0]).runID
            let firstClaims = try await states[0].join(run: first, rows: 1_024)
            #expect(try await firstClaims.claim()?.rows == 1..<1025)
            let second = try SharedJobFixture.start(states[1]).runID
            let secondClaims = try await states[1].join(run: second, rows: 1_024)
            #expect(try await secondClaims.claim() == nil)
            #expect(try await secondClaims.othersHoldChunks())
            #expect(try await firstClaims.othersHoldChunks() == false)

            // A worker that leaves lets its chunks go at once.
            try states[0].store.commit(SharedJobFixture.segment(1...2, end: 40), run: first, counters: .init(), outcome: "interrupted")
            await states[0].leave(run: first)
            #expect(try await secondClaims.othersHoldChunks() == false)
            let claim = try #require(try await secondClaims.claim())
            #expect(SharedJobFixture.rows(claim.recorded, upTo: 1_024) == [1, 2])
        }
    }

    /// The job is done when every chunk is, and only after a worker made them.
    @Test func jobIsDoneWhenEveryChunkIs() async throws {
        try await SharedJobFixture.with(2) { states in
            let first = try SharedJobFixture.start(states[0]).runID
            #expect(try await states[0].jobDone() == false)
            let firstClaims = try await states[0].join(run: first, rows: 2_048)
            let second = try SharedJobFixture.start(states[1]).runID
            let secondClaims = try await states[1].join(run: second, rows: 2_048)
            #expect(try await firstClaims.claim() != nil)
            #expect(try await secondClaims.claim() != nil)
            try await firstClaims.settleDone()
            #expect(try await states[0].jobDone() == false)
            try await secondClaims.settleDone()
            #expect(try await states[0].jobDone())
        }
    }

    /// A live worker's heartbeat keeps its lease well past the lease's length.
    @Test func heartbeatKeepsTheLeaseAlive() async throws {
        // A 3 s lease renewed every 0.75 s, watched for 8 s: it lapses only if the machine
        // stalls the heartbeat for 3 s (a 1 s lease lapsed under a loaded CI machine).
        try await SharedJobFixture.with(2, leases: [.seconds(3), .seconds(20)]) { states in
            let first = try SharedJobFixture.start(states[0]).runID
            let firstClaims = try await states[0].join(run: first, rows: 100)
            #expect(try await firstClaims.claim() != nil)
            let second = try SharedJobFixture.start(states[1]).runID
            let secondClaims = try await states[1].join(run: second, rows: 100)
            try await Task.sleep(for: .seconds(8))
            #expect(try await secondClaims.othersHoldChunks())
            #expect(try await secondClaims.claim() == nil)
            await states[0].leave(run: first)
        }
    }
}

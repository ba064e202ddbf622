import Foundation
@testable import PromptmillCore
@testable import PromptmillPostgres
import Testing

@Suite struct PostgresSpendTests {
    /// Workers reserving at once never reserve past the cap together.
    @Test func concurrentReservesNeverExceedTheCap() async throws {
        try await SharedJobFixture.with(3) { states in
            let cap = Money(picodollars: 1_000)
            let reserved = try await withThrowingTaskGroup(of: Int.self) { group in
                for state in states {
                    group.addTask {
                        let spend = state.spend(run: try SharedJobFixture.start(state).runID)
                        var reserved = 0
                        for _ in 0..<20 {
                            if try await spend.reserve(Money(picodollars: 30), cap: cap) == .reserved { reserved += 1 }
                        }
                        return reserved
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(reserved == 33)
            let outside = states[0].spend(run: -1)
            #expect(try await outside.spent() == Money(picodollars: 990))
        }
    }

    /// Settling turns a reservation into its cost, releasing gives it back, holding keeps it
    /// as spent; each worker's view of the spend leaves out its own open reservations.
    @Test func settleReleaseAndHoldMoveTheReservation() async throws {
        try await SharedJobFixture.with(1) { states in
            let run = try SharedJobFixture.start(states[0]).runID
            let spend = states[0].spend(run: run)
            let cap = Money(picodollars: 1_000)
            #expect(try await spend.reserve(Money(picodollars: 400), cap: cap) == .reserved)
            #expect(try await spend.reserve(Money(picodollars: 300), cap: cap) == .reserved)
            #expect(try await spend.reserve(Money(picodollars: 200), cap: cap) == .reserved)
            #expect(try await spend.spent() == .zero)
            try await spend.settle(reserved: Money(picodollars: 400), cost: Money(picodollars: 150))
            try await spend.release(Money(picodollars: 300))
            try await spend.hold(Money(picodollars: 200))
            #expect(try await spend.spent() == Money(picodollars: 350))
            #expect(try await spend.reserve(Money(picodollars: 650), cap: cap) == .reserved)
            #expect(try await spend.reserve(Money(picodollars: 1), cap: cap) == .full(othersOpen: false))
            let progress = try #require(try states[0].store.progress())
            #expect(progress.runs.held == Money(picodollars: 200))
            #expect(progress.runs.open == Money(picodollars: 650))
        }
    }

    /// Another live worker's open reservations may leave room; a dead worker's stay counted
    /// as spent for good.
    @Test func deadRunsOpenReservationsStayCounted() async throws {
        try await SharedJobFixture.with(2) { states in
            let cap = Money(picodollars: 1_000)
            let first = try SharedJobFixture.start(states[0]).runID
            _ = try await states[0].join(run: first, rows: 10)
            let second = try SharedJobFixture.start(states[1]).runID
            _ = try await states[1].join(run: second, rows: 10)
            let firstSpend = states[0].spend(run: first)
            let secondSpend = states[1].spend(run: second)

            #expect(try await firstSpend.reserve(Money(picodollars: 500), cap: cap) == .reserved)
            #expect(try await secondSpend.reserve(Money(picodollars: 600), cap: cap) == .full(othersOpen: true))
            #expect(try await secondSpend.spent() == Money(picodollars: 500))
            try await firstSpend.settle(reserved: Money(picodollars: 500), cost: Money(picodollars: 200))
            #expect(try await secondSpend.reserve(Money(picodollars: 600), cap: cap) == .reserved)
            #expect(try await firstSpend.reserve(Money(picodollars: 300), cap: cap) == .full(othersOpen: true))

            // The second worker dies with 600 open: it may have been billed for all of it.
            await states[1].leave(run: second)
            #expect(try await firstSpend.reserve(Money(picodollars: 300), cap: cap) == .full(othersOpen: false))
            #expect(try await firstSpend.spent() == Money(picodollars: 800))
            #expect(try await firstSpend.reserve(Money(picodollars: 200), cap: cap) == .reserved)

            // A worker joining later sees the same spend.
            let third = try SharedJobFixture.start(states[1]).runID
            #expect(try await states[1].spend(run: third).spent() == Money(picodollars: 1_000))
        }
    }
}

import PromptmillCore
import Testing

/// The progress a person waiting reads: rows done and left, this run's speed, the time
/// left, spend so far and projected, 429s and the budget left.
@Suite struct ProgressLineTests {
    /// A resumed job 400 rows in of 1,000 (100 from an earlier run), 10 s into this run,
    /// $0.40 of records so far and $0.01 of unknown fate, under a $1 cap.
    static func statistics() -> RunStatistics {
        var statistics = RunStatistics(totalRows: 1000)
        statistics.succeeded = 390
        statistics.failed = 10
        statistics.resumedRows = 100
        statistics.cacheHits = 40
        statistics.requests = 25
        statistics.retries = 4
        statistics.rateLimited = 3
        statistics.cost = Money(dollars: 0.40)
        statistics.spent = Money(dollars: 0.41)
        return statistics
    }

    /// The rate counts this run's rows, the projection prices the rows left at the cost
    /// per row so far, and the budget left is the cap less what may have been billed.
    @Test func figuresFollowTheRunAndTheCap() {
        let line = ProgressLine(Self.statistics(), elapsed: .seconds(10), cap: Money(dollars: 1))
        #expect(line.left == 600)
        #expect(line.rowsPerSecond == 30)
        #expect(line.etaSeconds == 20)
        #expect(line.projected == Money(dollars: 1.01))
        #expect(line.budgetLeft == Money(dollars: 0.59))
    }

    /// The plain line, word for word: what a log collector reads.
    @Test func plainLineNamesEveryFigure() {
        let line = ProgressLine(Self.statistics(), elapsed: .seconds(10), cap: Money(dollars: 1))
        #expect(
            line.plain
                == "progress rows=400/1000 left=600 failed=10 cached=40 requests=25 retries=4 rate_limited=3 rows_per_s=30.0 eta_s=20 spent_usd=0.41 projected_usd=1.01 budget_left_usd=0.59 elapsed_s=10"
        )
        #expect(
            line.bar
                == "████████████░░░░░░░░░░░░░░░░░░ 400/1000 rows  30.0 rows/s  ETA 00:20  $0.4100 spent → $1.0100  40 cached  10 failed  3 429s  4 retries  $0.5900 of budget left"
        )
    }

    /// Without a price, a cap or a known size, the line says what it knows and nothing else.
    @Test func unknownFiguresAreLeftOut() {
        var statistics = RunStatistics()
        statistics.succeeded = 50
        statistics.cost = nil
        let line = ProgressLine(statistics, elapsed: .seconds(5), cap: nil)
        #expect(line.plain == "progress rows=50/? failed=0 cached=0 requests=0 retries=0 rate_limited=0 rows_per_s=10.0 elapsed_s=5")
        #expect(line.bar == "50 rows  10.0 rows/s")
    }
}

/// `RecentRate`: the speed of the last minute, not the run's average.
@Suite struct RecentRateTests {
    /// A fast first minute (a full bucket) then a steady 10 rows/s: after two minutes the
    /// rate is 10, where the average says 30.
    @Test func theLastMinuteNotTheAverage() {
        var recent = RecentRate()
        var rows = 0
        for second in 0...120 {
            recent.add(rows: rows, at: Double(second))
            rows += second < 60 ? 50 : 10
        }
        #expect(recent.rate == 10)
        #expect(Double(rows - 10) / 120 > 29)
    }

    /// Under ten seconds of history there is no rate; points closer than a second replace
    /// the last one, so a run drawing five times a second keeps about 60 points.
    @Test func noRateBeforeTenSecondsAndOnePointASecond() {
        var recent = RecentRate()
        for tick in 0..<45 { recent.add(rows: tick * 2, at: Double(tick) * 0.2) }
        #expect(recent.rate == nil)
        for tick in 45..<1_000 { recent.add(rows: tick * 2, at: Double(tick) * 0.2) }
        #expect(recent.rate.map { abs($0 - 10) < 1e-9 } == true)
    }

    /// The time left is the rows left at the recent rate.
    @Test func theETAUsesTheRecentRate() {
        var statistics = RunStatistics()
        statistics.totalRows = 1_000
        statistics.succeeded = 400
        let line = ProgressLine(statistics, elapsed: .seconds(10), cap: nil, recent: 20)
        #expect(line.rowsPerSecond == 20)
        #expect(line.etaSeconds == 30)
        #expect(ProgressLine(statistics, elapsed: .seconds(10), cap: nil).etaSeconds == 15)
    }
}

import Testing

@testable import PromptmillCore

/// `ReportTimeline`: the job's samples as chart points, one run after another or many at
/// once.
@Suite struct ReportTimelineTests {
    static func run(_ run: Int64, from start: Double, seconds: Int, requests: Int) -> [(run: Int64, sample: TimelineSample)] {
        (0..<seconds).map { second in
            var sample = TimelineSample(start: start + Double(second))
            sample.requests = requests
            sample.rows = ["answered": requests]
            sample.spentUSD = Double(second)
            return (run, sample)
        }
    }

    /// One run of 1 s samples: a point a sample, at its second.
    @Test func oneRunIsAPointASecond() {
        let timeline = ReportTimeline(Self.run(1, from: 1_800_000_000.25, seconds: 120, requests: 5))
        #expect(timeline.t == (0..<120).map(Double.init))
        #expect(timeline.requestsPerMinute.allSatisfy { $0 == 300 })
        #expect(timeline.rowsPerSecond.allSatisfy { $0 == 5 })
        #expect(timeline.runStarts.isEmpty)
    }

    /// Three workers at once, each at its own fraction of a second, 10 requests a second
    /// each: the job's rate is 1,800 a minute in every whole second, and the spend drawn is
    /// the largest any worker stated.
    @Test func workersAtOnceAddUp() {
        let workers = [0.0, 0.3, 0.6].enumerated().flatMap { index, offset in
            Self.run(Int64(index + 1), from: 1_800_000_000 + offset, seconds: 60, requests: 10)
        }
        let timeline = ReportTimeline(workers.shuffled())
        #expect(timeline.t.count == 60)
        #expect(timeline.requestsPerMinute.allSatisfy { abs($0 - 1_800) < 1e-6 })
        #expect(timeline.spentUSD.enumerated().allSatisfy { $0.element == Double($0.offset) })
        #expect(zip(timeline.runStarts, [0.3, 0.6]).allSatisfy { abs($0 - $1) < 1e-3 } && timeline.runStarts.count == 2)
    }

    /// A resumed run a day later, starting at a fraction of a second: its points keep its
    /// rate, and the day between is left out of the time axis: the second run's points
    /// follow the first's, where its start is marked.
    @Test func aLaterRunKeepsItsRate() {
        let runs = Self.run(1, from: 1_800_000_000, seconds: 30, requests: 4) + Self.run(2, from: 1_800_086_400.7, seconds: 30, requests: 8)
        let timeline = ReportTimeline(runs)
        #expect(timeline.t == (0..<60).map(Double.init))
        #expect(timeline.requestsPerMinute.prefix(30).allSatisfy { $0 == 240 })
        #expect(timeline.requestsPerMinute.suffix(30).allSatisfy { abs($0 - 480) < 1e-6 })
        #expect(timeline.runStarts.count == 1 && abs(timeline.runStarts[0] - 30.7) < 1e-3)
    }

    /// A run's last, shorter sample (0.1 s) counts as a second: the rows flushed at its end
    /// do not spike the chart to ten times their rate.
    @Test func aShortLastSampleDoesNotSpike() {
        var samples = Self.run(1, from: 1_800_000_000, seconds: 10, requests: 5)
        var last = TimelineSample(start: 1_800_000_010, seconds: 0.1)
        last.rows = ["answered": 5]
        samples.append((1, last))
        let timeline = ReportTimeline(samples)
        #expect(timeline.rowsPerSecond.max() == 5)
    }
}

import Testing

@testable import PromptmillCore

/// `TimelineRecorder`: one sample a second of the run's clock, bounded by merging
/// neighbours, the totals kept; the slowest requests ranked.
@Suite struct TimelineRecorderTests {
    /// A quiet second is an empty sample; an event lands in the second it happened in; the
    /// end of the run closes a shorter last sample.
    @Test func oneSampleASecondAndAShortLastOne() {
        var recorder = TimelineRecorder(startedAt: 1_000)
        recorder.advance(to: .milliseconds(300))
        recorder.update { $0.requests += 1 }
        recorder.advance(to: .milliseconds(2_100))
        recorder.update { $0.requests += 2 }
        recorder.finish(at: .milliseconds(2_500))
        #expect(recorder.samples.map(\.start) == [1_000, 1_001, 1_002])
        #expect(recorder.samples.map(\.requests) == [1, 0, 2])
        #expect(recorder.samples.map(\.seconds) == [1, 1, 0.5])
    }

    /// Ten thousand seconds with a bound of 64: at most 64 samples, covering the run from
    /// its start to its end without gap or overlap, with every request and row kept.
    @Test func aLongRunStaysUnderTheBoundWithItsTotals() {
        var recorder = TimelineRecorder(startedAt: 0, bound: 64)
        for second in 0..<10_000 {
            recorder.advance(to: .seconds(second) + .milliseconds(500))
            recorder.update {
                $0.requests += second % 3
                $0.rows["answered", default: 0] += 1
                $0.latency[TimelineSample.latencyBucket(milliseconds: Double(second % 900))] += 1
            }
        }
        recorder.finish(at: .seconds(10_000))
        let samples = recorder.samples
        #expect(samples.count <= 64 && samples.count > 16)
        #expect(samples.reduce(0) { $0 + $1.requests } == (0..<10_000).reduce(0) { $0 + $1 % 3 })
        #expect(samples.reduce(0) { $0 + ($1.rows["answered"] ?? 0) } == 10_000)
        #expect(samples.reduce(0) { $0 + $1.latency.reduce(0, +) } == 10_000)
        #expect(samples.first?.start == 0)
        for (earlier, later) in zip(samples, samples.dropFirst()) { #expect(abs(earlier.start + earlier.seconds - later.start) < 1e-6) }
        let last = samples[samples.count - 1]
        #expect(abs(last.start + last.seconds - 10_000) < 1e-6)
    }

    /// The store is handed each closed sample once, and after a merge every sample again
    /// (each replaces the ones it covers).
    @Test func theStoreGetsWhatClosedSinceTheLastCall() {
        var recorder = TimelineRecorder(startedAt: 0, bound: 4)
        recorder.advance(to: .seconds(3))
        #expect(recorder.takeUnsaved().map(\.start) == [0, 1, 2])
        #expect(recorder.takeUnsaved().isEmpty)
        recorder.advance(to: .seconds(4))
        #expect(recorder.takeUnsaved().map(\.start) == [3])
        recorder.advance(to: .seconds(5))
        let merged = recorder.takeUnsaved()
        #expect(merged.map(\.start) == [0, 2, 4])
        #expect(merged.map(\.seconds) == [2, 2, 1])
    }

    /// The 20 slowest requests, slowest first; a faster one does not enter a full table.
    @Test func theSlowestTwentyRequestsSlowestFirst() {
        var recorder = TimelineRecorder(startedAt: 0)
        for latency in [5.0, 700, 30, 1_200, 90] + (1...30).map({ Double($0) * 10 }) {
            recorder.slow(SlowRequest(start: 0, latencyMs: latency, step: "s", rowIDs: ["r\(Int(latency))"], status: 200))
        }
        let slowest = recorder.takeSlowest() ?? []
        #expect(slowest.count == TimelineRecorder.slowCount)
        #expect(slowest.prefix(3).map(\.latencyMs) == [1_200, 700, 300])
        #expect(slowest.map(\.latencyMs) == slowest.map(\.latencyMs).sorted(by: >))
        #expect(!recorder.isSlow(milliseconds: 5))
        #expect(recorder.takeSlowest() == nil)
    }

    /// A latency falls in the first bucket whose upper bound holds it; past the last bound,
    /// in the overflow bucket.
    @Test func latencyBucketsByTheirUpperBound() {
        #expect(TimelineSample.latencyBucket(milliseconds: 10) == 0)
        #expect(TimelineSample.latencyBucket(milliseconds: 10.1) == 1)
        #expect(TimelineSample.latencyBucket(milliseconds: 700) == 25)  // 640...761 ms
        #expect(TimelineSample.latencyBoundsMs[24] == 640 && TimelineSample.latencyBoundsMs[28] == 1_280)
        #expect(TimelineSample.latencyBucket(milliseconds: 1e9) == TimelineSample.latencyBoundsMs.count)
    }

    /// Percentiles interpolate inside the bucket where the share is reached, as Prometheus'
    /// `histogram_quantile` does; nothing counted: no value.
    @Test func percentilesInterpolateInsideTheirBucket() {
        let bounds: [Double] = [25, 50, 100, 200, 400, 800]
        var buckets = Array(repeating: 0, count: bounds.count + 1)
        buckets[2] = 10  // 50...100 ms
        buckets[4] = 10  // 200...400 ms
        #expect(LatencyPercentiles.value(0.25, of: buckets, bounds: bounds) == 75)
        #expect(LatencyPercentiles.value(0.5, of: buckets, bounds: bounds) == 100)
        #expect(LatencyPercentiles.value(0.9, of: buckets, bounds: bounds) == 360)
        #expect(LatencyPercentiles.value(0.5, of: Array(repeating: 0, count: buckets.count), bounds: bounds) == nil)
        // With the timeline's buckets, answers of 700 to 761 ms read within their range.
        var answers = Array(repeating: 0, count: TimelineSample.latencyBoundsMs.count + 1)
        for latency in stride(from: 700.0, through: 761, by: 1) { answers[TimelineSample.latencyBucket(milliseconds: latency)] += 1 }
        for quantile in [0.5, 0.9, 0.99] {
            #expect((640...762).contains(LatencyPercentiles.value(quantile, of: answers) ?? 0), "\(quantile)")
        }
    }
}

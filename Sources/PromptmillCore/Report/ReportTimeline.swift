/// The job's timeline as the report's charts draw it: at most `maxPoints` points, each a
/// bin of wall-clock time holding the samples that start in it, from every run. Runs one
/// after another fill bins of their own; a shared job's workers, running at once, add up in
/// the same bins. Rates are over the seconds the bin's samples cover (their union, at most
/// the bin's width), so the gap between two runs does not dilute them and three workers'
/// requests are one job's.
/// Bins without a sample are left out, and so is the idle time they stand for: `t` is
/// seconds of the job's running time since its first sample.
public struct ReportTimeline: Sendable, Encodable, Equatable {
    /// Seconds since 1970 of the first sample; nil when nothing was recorded.
    public var origin: Double?
    public var t: [Double] = []
    public var rowsPerSecond: [Double] = []
    public var requestsPerMinute: [Double] = []
    public var requestsPerMinuteLimit: [Int?] = []
    public var tokensPerMinute: [Double] = []
    public var tokensPerMinuteLimit: [Int?] = []
    public var latencyP50: [Double?] = []
    public var latencyP90: [Double?] = []
    public var latencyP99: [Double?] = []
    /// Retries per point by cause (`RetryCause` raw values), every cause seen anywhere.
    public var retries: [String: [Int]] = [:]
    public var rateLimited: [Int] = []
    public var spentUSD: [Double?] = []
    /// Where each run after the first begins, in `t`'s seconds (running time).
    public var runStarts: [Double] = []
    /// How many samples the points stand for.
    public var samples = 0

    /// The most points a chart gets: enough for a wide screen, small for a long job.
    public static let maxPoints = 1_500

    public init() {}

    /// The points of `timeline` (any order), `maxPoints` at most.
    public init(_ timeline: [(run: Int64, sample: TimelineSample)], maxPoints: Int = ReportTimeline.maxPoints) {
        samples = timeline.count
        let sorted = timeline.sorted { $0.sample.start < $1.sample.start }
        guard let first = sorted.first else { return }
        let origin = first.sample.start
        self.origin = origin
        var runFirst: [Int64: Double] = [:]
        for (run, sample) in sorted where runFirst[run] == nil { runFirst[run] = sample.start }
        for cause in Set(timeline.flatMap { $0.sample.retries.keys }) { retries[cause] = [] }
        // The narrowest bin (a power of two seconds, no narrower than the longest sample)
        // that leaves at most `maxPoints` bins with a sample. A microsecond of slack: starts
        // near 1.8e9 s hold a few tenths of a microsecond of rounding.
        func bin(_ start: Double, _ width: Double) -> Int64 { Int64(((start - origin) / width + 1e-6).rounded(.down)) }
        var width = 1.0
        while width < sorted.map(\.sample.seconds).max() ?? 1 { width *= 2 }
        while Set(sorted.map { bin($0.sample.start, width) }).count > max(maxPoints, 1) { width *= 2 }
        // Time on the charts is time the job ran: the idle bins between runs (a night
        // between a kill and the rerun) are left out, so every run keeps its width.
        var start = 0
        var previous: Int64?
        var idle = 0.0
        var runsSeen = Set<Int64>()
        while start < sorted.count {
            let index = bin(sorted[start].sample.start, width)
            if let previous, index > previous + 1 { idle += Double(index - previous - 1) * width }
            previous = index
            var end = start + 1
            while end < sorted.count, bin(sorted[end].sample.start, width) == index { end += 1 }
            let offset = Double(index) * width - idle
            for (run, _) in sorted[start..<end] where run != first.run && runsSeen.insert(run).inserted {
                runStarts.append(offset + (runFirst[run] ?? 0) - origin - Double(index) * width)
            }
            add(sorted[start..<end].map(\.sample), at: offset, width: width)
            start = end
        }
    }

    /// Seconds covered by `samples` (sorted by start): overlapping ones count once.
    static func covered(_ samples: [TimelineSample]) -> Double {
        var total = 0.0
        var reach = -Double.infinity
        for sample in samples {
            let end = sample.start + sample.seconds
            if end > reach {
                total += end - max(sample.start, reach)
                reach = end
            }
        }
        return total
    }

    /// A bin's point. Its samples may reach past its end (they start in it, each run at its
    /// own offset): the seconds it stands for are those they cover, at most its width.
    private mutating func add(_ group: [TimelineSample], at offset: Double, width: Double) {
        // At least a second: a run's last sample may be a tenth of one, and the rows its
        // end flushed would spike to ten times their rate.
        let seconds = min(max(Self.covered(group), 1), width)
        let last = group[group.count - 1]
        t.append(offset)
        rowsPerSecond.append(Double(group.reduce(0) { $0 + $1.rows.values.reduce(0, +) }) / seconds)
        requestsPerMinute.append(Double(group.reduce(0) { $0 + $1.requests }) * 60 / seconds)
        requestsPerMinuteLimit.append(last.requestsPerMinuteLimit)
        tokensPerMinute.append(Double(group.reduce(0) { $0 + $1.promptTokens + $1.completionTokens }) * 60 / seconds)
        tokensPerMinuteLimit.append(last.tokensPerMinuteLimit)
        var buckets = Array(repeating: 0, count: TimelineSample.latencyBoundsMs.count + 1)
        for sample in group {
            for (index, count) in sample.latency.enumerated() where index < buckets.count { buckets[index] += count }
        }
        latencyP50.append(LatencyPercentiles.value(0.5, of: buckets))
        latencyP90.append(LatencyPercentiles.value(0.9, of: buckets))
        latencyP99.append(LatencyPercentiles.value(0.99, of: buckets))
        for cause in retries.keys { retries[cause]!.append(group.reduce(0) { $0 + ($1.retries[cause] ?? 0) }) }
        rateLimited.append(group.reduce(0) { $0 + $1.rateLimited })
        // Workers each state the whole job's spend: the largest is the latest.
        spentUSD.append(group.compactMap(\.spentUSD).max())
    }
}

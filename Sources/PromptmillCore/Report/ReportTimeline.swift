/// The run's timeline as the report's charts draw it: at most `maxPoints` points, each the
/// merge of consecutive samples (rates over the seconds the samples cover, so the gap
/// between two runs does not dilute them). `t` is seconds since the job's first sample.
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
    /// Where each run after the first begins, in `t`'s seconds.
    public var runStarts: [Double] = []
    /// How many samples the points stand for.
    public var samples = 0

    /// The most points a chart gets: enough for a wide screen, small for a long job.
    public static let maxPoints = 1_500

    public init() {}

    /// The points of `timeline` (oldest first), `maxPoints` at most.
    public init(_ timeline: [(run: Int64, sample: TimelineSample)], maxPoints: Int = ReportTimeline.maxPoints) {
        samples = timeline.count
        guard let first = timeline.first else { return }
        origin = first.sample.start
        let width = (timeline.count + maxPoints - 1) / max(maxPoints, 1)
        var lastRun = first.run
        for (run, sample) in timeline where run != lastRun {
            runStarts.append(sample.start - first.sample.start)
            lastRun = run
        }
        let causes = Set(timeline.flatMap { $0.sample.retries.keys })
        for cause in causes { retries[cause] = [] }
        var start = 0
        while start < timeline.count {
            let group = timeline[start..<min(start + width, timeline.count)]
            add(group.map(\.sample), origin: first.sample.start)
            start += width
        }
    }

    private mutating func add(_ group: [TimelineSample], origin: Double) {
        let seconds = max(group.reduce(0) { $0 + $1.seconds }, 0.001)
        let last = group[group.count - 1]
        t.append(group[0].start - origin)
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
        spentUSD.append(group.last { $0.spentUSD != nil }?.spentUSD)
    }
}

/// A run's timeline as it happens: one `TimelineSample` per second of the run's clock (a
/// quiet second is an empty sample), and the run's slowest requests. It holds at most
/// `bound` samples: past that, every pair of neighbours is merged, oldest first, so an
/// 8-hour run keeps under `bound` samples, its older seconds coarser than its recent ones.
///
/// A value driven by `RunTelemetry`, which gives it the time (the run's clock, as a
/// duration since the run started) with each event.
struct TimelineRecorder: Sendable {
    /// The run's start, seconds since 1970: sample starts are this plus the run's clock.
    let startedAt: Double
    let bound: Int
    /// Closed samples, oldest first.
    private(set) var samples: [TimelineSample] = []
    /// The second being filled.
    private(set) var current: TimelineSample
    /// Where `current` ends, on the run's clock.
    private var currentEnd = Duration.seconds(1)
    /// The first closed sample not yet handed to the store (a merge hands them all again).
    private var unsaved = 0
    /// The slowest requests so far, slowest first.
    private(set) var slowest: [SlowRequest] = []
    private(set) var slowestChanged = false
    /// Requests in flight now: the next sample starts with this many.
    var inFlight = 0 {
        didSet { current.inFlight = max(current.inFlight, inFlight) }
    }
    /// The values a sample takes at its end: the job's spend and the limits in force.
    var spentUSD: Double?
    var requestsPerMinuteLimit: Int?
    var tokensPerMinuteLimit: Int?

    /// Slowest requests a run keeps.
    static let slowCount = 20

    init(startedAt: Double, bound: Int = 2_048) {
        self.startedAt = startedAt
        self.bound = bound
        current = TimelineSample(start: startedAt)
    }

    /// Closes every second that has ended by `elapsed` (the run's clock since its start).
    mutating func advance(to elapsed: Duration) {
        while elapsed >= currentEnd { close(at: currentEnd) }
    }

    /// The run ends at `elapsed`: the second under way becomes a last, shorter sample.
    mutating func finish(at elapsed: Duration) {
        advance(to: elapsed)
        let length = Self.seconds(elapsed - (currentEnd - .seconds(1)))
        guard length > 0 else { return }
        current.seconds = length
        close(at: currentEnd)
    }

    /// Samples closed (or merged) since the last call, for the store.
    mutating func takeUnsaved() -> [TimelineSample] {
        defer { unsaved = samples.count }
        return Array(samples[unsaved...])
    }

    /// The slowest requests, when they changed since the last call.
    mutating func takeSlowest() -> [SlowRequest]? {
        guard slowestChanged else { return nil }
        slowestChanged = false
        return slowest
    }

    /// Whether a request of this latency is among the run's slowest.
    func isSlow(milliseconds: Double) -> Bool {
        slowest.count < Self.slowCount || milliseconds > slowest[slowest.count - 1].latencyMs
    }

    mutating func slow(_ request: SlowRequest) {
        guard isSlow(milliseconds: request.latencyMs) else { return }
        let index = slowest.firstIndex { $0.latencyMs < request.latencyMs } ?? slowest.count
        slowest.insert(request, at: index)
        if slowest.count > Self.slowCount { slowest.removeLast() }
        slowestChanged = true
    }

    /// Every change of the second being filled goes through here.
    mutating func update(_ change: (inout TimelineSample) -> Void) {
        change(&current)
    }

    private mutating func close(at end: Duration) {
        var sample = current
        sample.spentUSD = spentUSD
        sample.requestsPerMinuteLimit = requestsPerMinuteLimit
        sample.tokensPerMinuteLimit = tokensPerMinuteLimit
        samples.append(sample)
        current = TimelineSample(start: startedAt + Self.seconds(end))
        current.inFlight = inFlight
        currentEnd = end + .seconds(1)
        if samples.count > bound { mergePairs() }
    }

    /// Halves the timeline: each pair of neighbours, oldest first, becomes one sample.
    private mutating func mergePairs() {
        var merged: [TimelineSample] = []
        merged.reserveCapacity(samples.count / 2 + 1)
        var index = 0
        while index < samples.count {
            merged.append(index + 1 < samples.count ? samples[index].merged(with: samples[index + 1]) : samples[index])
            index += 2
        }
        samples = merged
        unsaved = 0
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

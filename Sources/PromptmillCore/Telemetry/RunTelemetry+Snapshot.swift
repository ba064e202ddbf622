/// A run's figures at one moment, for a scrape of `/metrics`: the job's figures as its
/// summary will state them, and what the run is doing now.
public struct TelemetrySnapshot: Sendable {
    /// The job's figures (earlier runs included), as the `Recorder` last counted them: at
    /// the run's end, those of `OUTPUT.summary.json`.
    public var statistics: RunStatistics
    /// This run's retries by cause.
    public var retries: [RetryCause: Int]
    /// Retries of the job's earlier runs, whose causes are not kept.
    public var earlierRetries: Int
    public var inFlight: Int
    /// The job's budget cap, if any.
    public var budget: Money?
    /// Each model's limits and the room left in them, read now.
    public var limits: [String: ThrottleSnapshot]

    /// Rows neither recorded nor rejected yet; nil when the input's size is not known.
    public var pendingRows: Int? { statistics.totalRows.map { max(0, $0 - statistics.done) } }
}

extension RunTelemetry {
    /// The figures now; the throttles are asked for their levels.
    public func snapshot() async -> TelemetrySnapshot {
        let (throttles, snapshot) = state.withLock { state in
            (
                state.throttles,
                TelemetrySnapshot(
                    statistics: state.statistics, retries: state.retries, earlierRetries: earlierRetries,
                    inFlight: state.timeline.inFlight, budget: budget, limits: [:])
            )
        }
        var result = snapshot
        for entry in throttles { result.limits[entry.model] = await entry.throttle.snapshot }
        return result
    }

    /// The closed samples of the run's timeline, oldest first.
    var timeline: [TimelineSample] { state.withLock { $0.timeline.samples } }
    /// The run's slowest requests, slowest first.
    var slowest: [SlowRequest] { state.withLock { $0.timeline.slowest } }
}

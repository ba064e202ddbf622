/// Watches runs live: `run --metrics`'s server (`PromptmillMetrics.MetricsServer`) is the one.
/// It is handed to `JobRunner`, which tells it of each run (a shared job's worker may run
/// more than once) and of each answer's latency as it arrives.
public protocol RunWatcher: Sendable {
    /// A run begins: `telemetry` holds its figures, live, and its last ones once it ends.
    func runStarted(_ telemetry: RunTelemetry)
    /// An HTTP answer (any status) arrived `latency` after its request was sent.
    func answered(after latency: Duration)
}

/// How a run ended.
public struct RunReport: Sendable {
    public var statistics: RunStatistics
    /// True when every row read has a record or a reject.
    public var complete: Bool
    /// Why sending stopped early, if it did.
    public var stop: JobStop?
    public var elapsed: Duration
    /// Why the job's earlier progress was set aside, when it was.
    public var restartReason: String?

    /// The contract's exit code: 0 when complete, the stop's code otherwise.
    public var exitCode: Int32 {
        if let stop { return stop.exitCode }
        return complete ? 0 : 1
    }
}

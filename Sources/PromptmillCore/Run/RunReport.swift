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
    /// A shared job's worker: the whole job's figures at the worker's end (every worker's
    /// records and counters); `statistics` are then this worker's view.
    public var job: RunStatistics?

    /// The contract's exit code: 0 when complete, the stop's code otherwise.
    public var exitCode: Int32 {
        if let stop { return stop.exitCode }
        return complete ? 0 : 1
    }

    /// Why a run that was not stopped still left rows without a record, and what to do;
    /// nil when it is complete or stopped.
    public var incompleteMessage: String? {
        guard stop == nil, !complete else { return nil }
        if statistics.unconfirmedRefusals > 0, let failure = statistics.lastUnconfirmedRefusal {
            return
                "\(statistics.unconfirmedRefusals) rows were refused (the last: \(failure.status.map { "HTTP \($0) " } ?? "")\(failure.type): \(failure.message)) and no request succeeded, so the refusal may be the account's, the URL's or the request's rather than the rows' — they have no record; fix the cause (base_url, params, the account) and run the same command again"
        }
        guard statistics.transientFailures > 0 else { return nil }
        let cause = statistics.lastTransientFailure.map { failure in
            " (the last: \(failure.status.map { "HTTP \($0) " } ?? "")\(failure.type): \(failure.message))"
        }
        return
            "\(statistics.transientFailures) rows failed only for transient causes after their retries\(cause ?? "") — they have no record and stay pending; run the same command again to send them"
    }
}

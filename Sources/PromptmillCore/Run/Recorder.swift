/// Stage 6, record: writes each finished row's record into the output (a gzip member at a
/// time, committed to the job store once it is durable), bad rows to the rejects file, and
/// keeps the run's figures for the progress line, the summary and the exit code.
final class Recorder {
    private let sink: OutputSink
    private let rejects: RejectsFileWriter
    private let progress: ProgressReporter
    private let spend: SpendGuard?
    /// What the job store knew when the run started: earlier runs' records and counters.
    private let earlier: JobLedger.Progress
    /// Costs are known: every step's model has a price.
    private let priced: Bool
    private(set) var statistics: RunStatistics
    /// The run's timeline and live figures: told the job's figures after each record.
    var telemetry: RunTelemetry?
    /// Rows of this run whose every step was skipped (`when`), for the timeline.
    private var skipped = 0

    init(
        sink: OutputSink, rejects: RejectsFileWriter, progress: ProgressReporter, spend: SpendGuard?,
        earlier: JobLedger.Progress, totalRows: Int, configuration: PipelineConfiguration
    ) {
        self.sink = sink
        self.rejects = rejects
        self.progress = progress
        self.spend = spend
        self.earlier = earlier
        priced = configuration.stages.allSatisfy { $0.configuration.prices != nil }
        statistics = RunStatistics(totalRows: totalRows)
        statistics.resumedRows = earlier.records.items
        statistics.requests = earlier.runs.requests
        statistics.retries = earlier.runs.retries
        statistics.rateLimited = earlier.runs.rateLimited
        countRecords()
    }

    /// Rows that already have a record, this run's included.
    var done: RowSet { sink.done }

    func reject(_ problems: [InputProblem]) throws {
        for problem in problems {
            try rejects.append(problem)
            statistics.rejectedRows += 1
        }
    }

    /// A row whose last step settled, or whose step failed.
    func record(_ row: PreparedRow) {
        sink.append(row)
        if row.settled.allSatisfy({ if case .skipped = $0.kind { true } else { false } }) { skipped += 1 }
    }

    /// A row whose step failed only for transient causes: no record; it stays pending for
    /// the next run.
    func leavePending(_ row: PreparedRow, after failure: RowFailure) {
        statistics.transientFailures += 1
        statistics.lastTransientFailure = failure
    }

    /// A row whose one step the answer store answered, written from the stored bytes.
    func record(_ row: PreparedRow, stored hit: ResponseCache.Hit, paidHere: Bool) {
        sink.append(row, stored: hit, paidHere: paidHere)
    }

    /// Requests sent, retried and answered 429 since the last count.
    func count(_ counts: DispatchCounts) {
        statistics.requests += counts.requests
        statistics.retries += counts.retries
        statistics.rateLimited += counts.rateLimited
        statistics.flexUnavailable += counts.flexUnavailable
        statistics.switchedToStandard += counts.switchedToStandard
        for (tier, count) in counts.byTier { statistics.requestsByTier[tier.summaryName, default: 0] += count }
    }

    /// A row refused for good before anything was answered: no record yet (the refusal
    /// may be the account's); it stays pending if nothing is ever answered.
    func leaveUnconfirmed(_ row: PreparedRow, after failure: RowFailure) {
        statistics.unconfirmedRefusals += 1
        statistics.lastUnconfirmedRefusal = failure
    }

    /// After records: ends the member when it is due; the figures and progress follow.
    func recorded() async throws {
        try sink.flushIfDue(counters)
        countRecords()
        statistics.spent = await spend?.spentSoFar
        progress.update(statistics)
        await telemetry?.recorded(statistics, skipped: skipped)
    }

    /// Writes what is left and records how the run ended.
    func finish(outcome: String) async throws {
        try sink.finish(counters, outcome: outcome)
        try rejects.close()
        countRecords()
        statistics.spent = await spend?.jobSpent()
        await telemetry?.finish(statistics, skipped: skipped)
    }

    /// This run's counters, for the job store.
    private var counters: JobLedger.RunCounters {
        var counters = JobLedger.RunCounters()
        counters.requests = statistics.requests - earlier.runs.requests
        counters.retries = statistics.retries - earlier.runs.retries
        counters.rateLimited = statistics.rateLimited - earlier.runs.rateLimited
        return counters
    }

    /// The record figures: the earlier runs' from the store, this run's from the sink.
    private func countRecords() {
        var records = earlier.records
        records += sink.appendedTotals
        statistics.succeeded = records.succeeded
        statistics.failed = records.failed
        statistics.cacheHits = records.cacheHits
        statistics.countedItems = records.countedItems
        statistics.usage = records.usage
        statistics.savedUsage = records.savedUsage
        statistics.cost = priced ? records.cost : nil
        statistics.saved = priced ? records.saved : nil
        statistics.promptCacheSaved = priced ? records.promptCacheSaved : nil
        statistics.models = records.models
        statistics.tiers = records.tiers
    }
}

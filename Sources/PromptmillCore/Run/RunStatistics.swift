/// The counts a run keeps for its summary, its progress line and its exit code.
public struct RunStatistics: Sendable, Equatable {
    /// Rows expected (read by the first pass), or nil when not known.
    public var totalRows: Int?
    public var succeeded = 0
    public var failed = 0
    public var rejectedRows = 0
    public var requests = 0
    public var retries = 0
    /// 429 answers of any kind.
    public var rateLimited = 0
    /// Usage of the records this job paid for (earlier runs included).
    public var usage = TokenUsage.zero
    /// Records served from the cache, and what they would have cost.
    public var cacheHits = 0
    public var savedUsage = TokenUsage.zero
    /// Records written by earlier runs of the job.
    public var resumedRows = 0
    /// What the records this job paid for cost; nil when the model has no price.
    public var cost: Money? = .zero
    /// What the cache hits would have cost at the job's prices; nil when unknown.
    public var saved: Money? = .zero
    /// What OpenAI's prompt cache saved on the records this job paid for: their cached
    /// prompt tokens at the input price less the cached-input price. nil when unknown.
    public var promptCacheSaved: Money? = .zero
    /// What the job has spent or may have been billed (requests of unknown fate count):
    /// what the budget is kept against. nil when the model has no price.
    public var spent: Money?
    /// Rows of this run that failed only for transient causes (rate limits, 5xx, timeouts,
    /// dropped connections) after their retries: they have no record, stay pending, and
    /// the next run of the same command sends them again.
    public var transientFailures = 0
    /// Rows refused for good while nothing had been answered, left without a record because
    /// the refusal may be the account's or the request's, not the row's.
    public var unconfirmedRefusals = 0
    public var lastUnconfirmedRefusal: RowFailure?
    /// Records whose usage promptmill counted, the server having sent none.
    public var countedItems = 0
    /// The last of those failures, for the closing message.
    public var lastTransientFailure: RowFailure?
    /// Multi-step jobs: usage, cost and savings by model.
    public var models: [String: JobLedger.ModelFigures] = [:]
    /// Usage, cost and answers by the way they were served (`batch`, `flex`, `standard`,
    /// `priority`), earlier runs included.
    public var tiers: [String: JobLedger.ModelFigures] = [:]
    /// This run's requests by way: batch lines, and live requests by the tier asked for.
    public var requestsByTier: [String: Int] = [:]
    /// Flex requests answered "resource unavailable", and rows that then went at the
    /// standard tier to meet the deadline.
    public var flexUnavailable = 0
    public var switchedToStandard = 0

    public init(totalRows: Int? = nil) {
        self.totalRows = totalRows
    }

    /// Rows with a record (result or permanent error).
    public var items: Int { succeeded + failed }
    /// Rows accounted for: a record, or a reject.
    public var done: Int { items + rejectedRows }
}

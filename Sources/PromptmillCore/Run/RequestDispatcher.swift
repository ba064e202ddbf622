/// Stage 4, dispatch: sends a planned request and brings back a result for each of its rows,
/// retrying what can be retried. Each answer goes through the `Settler` the moment it
/// arrives, before `dispatch` returns.
///
/// Today's implementation is `LiveDispatcher` (HTTP, paced by the rate limiter, retried by
/// `RetryPolicy`); the Batch API is the next.
protocol RequestDispatcher: Sendable {
    /// Throws `JobStop` when the job must stop sending (credentials, quota, unknown model, an
    /// interrupt).
    func dispatch(_ request: PlannedRequest) async throws(JobStop) -> DispatchReport
    /// Whether a request may wait for hours (the Batch API): the flow then keeps as many in
    /// flight as it has rows, and calls `idle` when no more will come soon.
    var waitsLong: Bool { get }
    /// No more requests will reach this dispatcher until some of its own come back; it has
    /// been handed `dispatched` requests in all.
    func idle(dispatched: Int) async
    /// The job stops: requests still waiting come back with `stop`.
    func stopping(_ stop: JobStop) async
}

extension RequestDispatcher {
    var waitsLong: Bool { false }
    func idle(dispatched: Int) async {}
    func stopping(_ stop: JobStop) async {}
}

/// What one planned request came to.
struct DispatchReport: Sendable {
    /// One per row, settled; rows in `unsent` have none.
    var results: [RowResult] = []
    /// Rows given back without a result: the budget had no room to retry them.
    var unsent: [PreparedRow] = []
    /// How long the last answered attempt took, from send to whole answer (for Little's
    /// law: requests in flight = rate × latency).
    var latency: Duration?

    mutating func add(_ other: DispatchReport) {
        results += other.results
        unsent += other.unsent
        latency = other.latency ?? latency
    }
}

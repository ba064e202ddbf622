/// The Batch API behind the dispatch seam: each planned request becomes one line of a batch
/// (`BatchQueue`), with the body a live run sends, and comes back when its line is settled.
/// Requests wait long (up to the batch window), so the flow keeps every row of a batch file
/// in flight and tells the dispatcher when no more will come soon (`idle`).
struct BatchDispatcher: RequestDispatcher {
    let queue: BatchQueue
    let configuration: PipelineConfiguration
    let completionBudget: Int
    let live: LiveDispatcher

    /// Batch lines are not paced by the live rate limits: the batch queue has its own.
    var waitsLong: Bool { true }

    func dispatch(_ request: PlannedRequest) async throws(JobStop) -> DispatchReport {
        let body = APIRequest.body(configuration, rows: request.rows)
        let worst = request.rows.worstCase(prices: configuration.prices, completionBudget: completionBudget, tier: .batch)
        if let spend = live.spend, spend.cap == nil {
            // Under a cap the flow reserved it (`BudgetGate`); without one, for the accounts.
            _ = await spend.reserve(worst)
        }
        // A line of a batch file counts as a request, as in the summary.
        live.telemetry?.submitted(prompts: request.rows.count)
        let result = await withTaskCancellationHandler {
            await queue.submit(request, body: body, worst: worst)
        } onCancel: {
            Task { await queue.release(.interrupted) }
        }
        let report = try result.get()
        // Lines that went live after all were counted as they were sent.
        for case .answered(_, let usage) in report.results.map(\.outcome) where usage.tier == .batch { live.telemetry?.used(usage) }
        return report
    }

    func idle(dispatched: Int) async { await queue.idle(dispatched: dispatched) }

    func stopping(_ stop: JobStop) async { await queue.release(stop) }
}

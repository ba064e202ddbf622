extension LiveDispatcher {
    /// Halves a batch a 400 blames on its prompts, and sends each half.
    func split(_ rows: [PreparedRow], after report: DispatchReport, attempts: Int) async throws(JobStop) -> DispatchReport {
        var combined = report
        let middle = rows.count / 2
        for half in [Array(rows[..<middle]), Array(rows[middle...])] {
            let cost = half.tokenCost(completionBudget: completionBudget)
            var part = try await send(half, tokenCost: cost)
            for index in part.results.indices { part.results[index].attempts += attempts }
            combined.add(part)
        }
        return combined
    }
}

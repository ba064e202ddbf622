extension LiveDispatcher {
    /// Halves a batch that failed with `failure`. Until anything has been answered, a half
    /// that repeats the very same refusal is not split further; when both halves repeat it,
    /// no row is to blame and the job stops (every row stays pending).
    func split(_ rows: [PreparedRow], failure: RowFailure, after report: DispatchReport, attempts: Int) async throws(JobStop)
        -> DispatchReport
    {
        var combined = report
        let middle = rows.count / 2
        var parts: [(rows: [PreparedRow], report: DispatchReport)] = []
        for half in [Array(rows[..<middle]), Array(rows[middle...])] {
            let cost = half.tokenCost(completionBudget: completionBudget)
            var part = try await send(half, tokenCost: cost, parentFailure: failure)
            for index in part.results.indices { part.results[index].attempts += attempts }
            parts.append((half, part))
        }
        if parts.allSatisfy(\.report.repeatedRefusal) {
            throw .refusedEverywhere(status: failure.status ?? 400, code: failure.type, message: failure.message)
        }
        for (half, part) in parts {
            if part.repeatedRefusal, half.count > 1 {
                // The other half failed differently: this one holds a bad row; go on halving.
                var deeper = try await split(half, failure: failure, after: DispatchReport(), attempts: attempts)
                deeper.requests += part.requests
                deeper.retries += part.retries
                deeper.rateLimited += part.rateLimited
                combined.add(deeper)
            } else {
                var part = part
                part.repeatedRefusal = false
                combined.add(part)
            }
        }
        return combined
    }
}

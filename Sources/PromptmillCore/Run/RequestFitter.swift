/// Makes every request fit the tokens-per-minute bucket: a batch bigger than the whole
/// bucket would wait forever, so it is split; a single prompt that can never fit gets an
/// error record that says why.
enum RequestFitter {
    static func fit(_ rows: [PreparedRow], cost: Int, completionBudget: Int, capacity: Int?)
        -> (requests: [(rows: [PreparedRow], cost: Int)], tooLarge: [RowResult]) {
        guard let capacity, cost > capacity else { return ([(rows, cost)], []) }
        var requests: [(rows: [PreparedRow], cost: Int)] = []
        var tooLarge: [RowResult] = []
        var current: [PreparedRow] = []
        var currentCost = 0
        for row in rows {
            let rowCost = row.promptTokens + completionBudget
            guard rowCost <= capacity else {
                let failure = RowFailure(
                    type: "request_too_large",
                    message: "this prompt needs \(rowCost) tokens (\(row.promptTokens) in the prompt, \(completionBudget) for the completion), more than the whole tokens-per-minute limit of \(capacity): it can never be sent — shorten it or lower max_tokens",
                    status: nil)
                tooLarge.append(RowResult(row: row, outcome: .failed(failure), attempts: 0))
                continue
            }
            if currentCost + rowCost > capacity, !current.isEmpty {
                requests.append((current, currentCost))
                current = []
                currentCost = 0
            }
            current.append(row)
            currentCost += rowCost
        }
        if !current.isEmpty { requests.append((current, currentCost)) }
        return (requests, tooLarge)
    }
}

/// Makes every request fit what it can be sent under: the tokens-per-minute bucket (a batch
/// bigger than the whole bucket would wait forever) and the endpoint's own limits per input
/// and per request (embeddings: 8,192 and 300,000 tokens). A batch that does not fit is
/// split; a row that can never fit gets an error record that says why.
enum RequestFitter {
    /// OpenAI's limits on one embeddings request.
    static let embeddingInputTokens = 8192
    static let embeddingRequestTokens = 300_000

    static func fit(_ rows: [PreparedRow], cost: Int, completionBudget: Int, capacity: Int?, endpoint: Endpoint = .completions)
        -> (requests: [(rows: [PreparedRow], cost: Int)], tooLarge: [RowResult])
    {
        let requestLimit = endpoint == .embeddings ? min(capacity ?? .max, embeddingRequestTokens) : capacity
        let inputLimit = endpoint == .embeddings ? embeddingInputTokens : nil
        let inputsFit = inputLimit.map { limit in rows.allSatisfy { $0.promptTokens <= limit } } ?? true
        guard !inputsFit || requestLimit.map({ cost > $0 }) == true else { return ([(rows, cost)], []) }
        guard let limit = requestLimit ?? inputLimit else { return ([(rows, cost)], []) }
        var requests: [(rows: [PreparedRow], cost: Int)] = []
        var tooLarge: [RowResult] = []
        var current: [PreparedRow] = []
        var currentCost = 0
        for row in rows {
            let rowCost = row.promptTokens + completionBudget
            if let inputLimit, row.promptTokens > inputLimit {
                let failure = RowFailure(
                    type: "input_too_long",
                    message:
                        "this input has \(row.promptTokens) tokens, more than the \(inputLimit) an embedding input may hold: it can never be sent — shorten it",
                    status: nil)
                tooLarge.append(RowResult(row: row, outcome: .failed(failure), attempts: 0))
                continue
            }
            guard rowCost <= limit else {
                let failure = RowFailure(
                    type: "request_too_large",
                    message:
                        "this prompt needs \(rowCost) tokens (\(row.promptTokens) in the prompt, \(completionBudget) for the completion), more than the whole tokens-per-minute limit of \(limit): it can never be sent — shorten it or lower max_tokens",
                    status: nil)
                tooLarge.append(RowResult(row: row, outcome: .failed(failure), attempts: 0))
                continue
            }
            if currentCost + rowCost > limit, !current.isEmpty {
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

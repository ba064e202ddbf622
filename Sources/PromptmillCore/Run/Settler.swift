import Logging

/// Stage 5, settle: turns one answered request into its rows' results. The request's usage
/// is split over its rows (prompt tokens by each row's exact count, completion tokens by
/// each row's answers, cached tokens with the prompt shares; largest remainder, so the rows
/// add up to what the API reported), the answers are kept in the answer store, and the
/// budget's reservation becomes the request's real cost.
struct Settler: Sendable {
    /// Where answers are kept as soon as they arrive, before their records are written:
    /// a run stopped in between does not pay for them again.
    var store: (any AnswerStore)?
    /// The job generation that pays, stored with each answer.
    var generation: JobGeneration
    var model: String
    /// The model's prices; nil when it has none (costs are then unknown).
    var prices: ModelPrices?
    /// Keeps spend under the budget; nil without prices.
    var spend: SpendGuard?
    var logger = Logger(label: "promptmill")

    /// `reserved`: the request's worst case, reserved under the budget before it was sent.
    func settle(_ rows: [PreparedRow], _ response: APIResponse, reserved: Money, attempts: Int) async -> [RowResult] {
        let prompts = UsageSplitter.split(response.usage.promptTokens, weights: rows.map(\.promptTokens))
        let completions = UsageSplitter.split(response.usage.completionTokens, weights: response.rows.map(\.completionWeight))
        // Cached and cache-write tokens go with each row's prompt share, reasoning tokens with
        // its completion share: never more than the share.
        let cached = UsageSplitter.split(response.usage.cachedPromptTokens, weights: prompts)
        let written = UsageSplitter.split(response.usage.cacheWriteTokens, weights: zip(prompts, cached).map { $0 - $1 })
        let reasoning = UsageSplitter.split(response.usage.reasoningTokens, weights: completions)
        let own = rows.indices.map { index in
            let usage = TokenUsage(
                promptTokens: prompts[index], completionTokens: completions[index], cachedPromptTokens: cached[index],
                cacheWriteTokens: written[index], reasoningTokens: reasoning[index], counted: response.usage.counted,
                tier: response.usage.tier)
            if var withheld = response.rows[index].withheld {
                // Billed, but no answer: an error record with its cost, never stored.
                withheld.usage = usage
                return RowResult(row: rows[index], outcome: .failed(withheld), attempts: attempts)
            }
            return RowResult(row: rows[index], outcome: .answered(response.rows[index].answer, usage: usage), attempts: attempts)
        }
        // The row's earlier answers that could not be kept were paid for too: its record
        // carries them, and so does the store, so that a rewrite (`--retry-failed`), which
        // takes the job's own answers back from the store, counts what they cost in full.
        let results = own.map { result in
            guard result.row.spent != .zero else { return result }
            var result = result
            switch result.outcome {
            case .answered(let answer, let usage): result.outcome = .answered(answer, usage: usage + result.row.spent)
            case .failed(var failure):
                failure.usage = (failure.usage ?? .zero) + result.row.spent
                result.outcome = .failed(failure)
            }
            result.attempts += result.row.sentAgain
            return result
        }
        // Stored before the reservation is settled: a kill in between counts the answer
        // twice against the budget, never not at all.
        await keep(results)
        await spend?.settle(reserved: reserved, cost: prices?.cost(of: response.usage) ?? .zero)
        return results
    }

    /// A store that cannot be written costs only the protection against paying twice after
    /// a kill: the run goes on, with a warning.
    private func keep(_ results: [RowResult]) async {
        guard let store else { return }
        var entries: [ResponseCache.Entry] = []
        entries.reserveCapacity(results.count)
        for result in results {
            guard case .answered(let answer, let usage) = result.outcome, let key = result.row.cacheKey else { continue }
            entries.append(
                ResponseCache.Entry(
                    key: key, answer: answer, usage: usage,
                    paidBy: CachePayer(generation: generation, row: result.row.number)))
        }
        do {
            try await store.store(entries, model: model)
        } catch {
            logger.warning("\(error)")
        }
    }
}

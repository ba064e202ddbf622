import Foundation

/// Writes `OUTPUT.summary.json` atomically (a temporary file renamed over the old one).
enum SummaryFileWriter {
    static func write(_ statistics: RunStatistics, configuration: PipelineConfiguration, elapsed: Duration, complete: Bool,
                      budgetStopped: Bool) throws {
        var writer = JSONWriter(capacity: 1024)
        writer.raw("{\n  ")
        figures(statistics, into: &writer, indent: "  ")
        writer.raw(",\n  \"by_model\": {")
        if statistics.models.isEmpty {
            writer.key(configuration.model)
            writer.raw(" {")
            figures(statistics, into: &writer, indent: "")
            writer.raw("}")
        } else {
            // A multi-step job: each model's paid usage, cost, cache hits and savings.
            for (index, (model, figures)) in statistics.models.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { writer.raw(",") }
                writer.raw("\n    ")
                writer.key(model)
                writer.raw(" {\"steps\": ")
                writer.value(.array(configuration.steps.filter { $0.configuration.model == model }.map { .string($0.name) }))
                writer.raw(", \"cache_hits\": ")
                writer.number(figures.cacheHits)
                writer.raw(", \"prompt_tokens\": ")
                writer.number(figures.usage.promptTokens)
                writer.raw(", \"completion_tokens\": ")
                writer.number(figures.usage.completionTokens)
                writer.raw(", \"cached_prompt_tokens\": ")
                writer.number(figures.usage.cachedPromptTokens)
                writer.raw(", \"cost_usd\": ")
                writer.money(figures.cost)
                writer.raw(", \"saved_usd\": ")
                writer.money(figures.saved)
                writer.raw("}")
            }
            writer.raw("\n  ")
        }
        writer.raw("},\n  \"elapsed_s\": ")
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        writer.raw(String(format: "%.3f", seconds))
        writer.raw(",\n  \"complete\": ")
        writer.bool(complete)
        writer.raw(",\n  \"budget\": {\"max_usd\": ")
        writer.money(configuration.budget.maxUSD)
        writer.raw(", \"warn_usd\": ")
        writer.money(configuration.budget.warnUSD)
        writer.raw(", \"spent_usd\": ")
        writer.money(statistics.spent)
        writer.raw(", \"stopped\": ")
        writer.bool(budgetStopped)
        writer.raw("},\n  \"prices_date\": ")
        writer.string(configuration.pricesDate)
        writer.raw(",\n  \"prices_source\": ")
        if let prices = configuration.prices { writer.string(prices.source) } else { writer.null() }
        writer.raw("\n}\n")
        let path = configuration.output.summaryPath
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(writer.bytes), attributes: [.posixPermissions: 0o600]) else {
            throw OutputError.cannotCreate(path: temporary)
        }
        if rename(temporary, path) != 0 { throw OutputError.cannotCreate(path: path) }
    }

    private static func figures(_ statistics: RunStatistics, into writer: inout JSONWriter, indent: String) {
        let separator = indent.isEmpty ? ", " : ",\n" + indent
        let pairs: [(String, Int)] = [
            ("items", statistics.items), ("succeeded", statistics.succeeded), ("failed", statistics.failed),
            ("rejected_rows", statistics.rejectedRows), ("cache_hits", statistics.cacheHits), ("requests", statistics.requests),
            ("retries", statistics.retries), ("rate_limited", statistics.rateLimited),
            ("prompt_tokens", statistics.usage.promptTokens), ("completion_tokens", statistics.usage.completionTokens),
            ("cached_prompt_tokens", statistics.usage.cachedPromptTokens),
        ]
        for (index, pair) in pairs.enumerated() {
            if index > 0 { writer.raw(separator) }
            writer.key(pair.0)
            writer.raw(" ")
            writer.number(pair.1)
        }
        // null says "the model has no price", never a wrong zero.
        writer.raw(separator + "\"cost_usd\": ")
        writer.money(statistics.cost)
        writer.raw(separator + "\"saved_usd\": ")
        writer.money(statistics.saved)
    }
}

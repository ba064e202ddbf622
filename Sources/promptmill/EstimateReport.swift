import Foundation
import PromptmillCore

/// The two ways `estimate` shows its figures.
enum EstimateReport {
    static func json(_ estimate: JobEstimate) -> String {
        var writer = JSONWriter()
        writer.raw("{")
        let integers: [(String, Int)] = [
            ("rows", estimate.rows), ("bad_rows", estimate.badRows), ("requests", estimate.requests),
            ("prompt_tokens", estimate.promptTokens), ("completion_tokens_max", estimate.completionTokensMax),
            ("cached_rows", estimate.cachedRows),
        ]
        for (key, value) in integers {
            writer.key(key)
            writer.number(value)
            writer.raw(",")
        }
        writer.key("cost_usd_min")
        money(estimate.costMin, &writer)
        writer.raw(",")
        writer.key("cost_usd_max")
        money(estimate.costMax, &writer)
        writer.raw(",")
        writer.key("over_context")
        writer.value(.array(estimate.overContext.map(JSONValue.string)))
        writer.raw(",")
        writer.key("context_window")
        if let window = estimate.contextWindow { writer.number(window) } else { writer.null() }
        writer.raw(",")
        writer.key("min_seconds")
        if let seconds = estimate.minSeconds { writer.raw(String(format: "%.3f", seconds)) } else { writer.null() }
        writer.raw(",")
        writer.key("model")
        writer.string(estimate.model)
        writer.raw(",")
        writer.key("encoding")
        writer.string(estimate.encoding)
        writer.raw(",")
        writer.key("prices_date")
        writer.string(estimate.pricesDate)
        writer.raw(",")
        writer.key("prices_source")
        if let source = estimate.pricesSource { writer.string(source) } else { writer.null() }
        if !estimate.steps.isEmpty {
            writer.raw(",")
            writer.key("prompt_tokens_max")
            writer.number(estimate.promptTokensMax ?? estimate.promptTokens)
            writer.raw(",")
            writer.key("steps")
            writer.value(.array(estimate.steps.map { step in
                func money(_ value: Money?) -> JSONValue { value.map { .number($0.decimalText) } ?? .null }
                func number(_ value: Int) -> JSONValue { .number(String(value)) }
                return .object(JSONObject(
                    keys: ["name", "endpoint", "model", "rows", "requests", "prompt_tokens_min", "prompt_tokens_max",
                           "completion_tokens_max", "cost_usd_min", "cost_usd_max", "exact"],
                    values: [.string(step.name), .string(step.endpoint), .string(step.model), number(step.rows), number(step.requests),
                             number(step.promptTokensMin), number(step.promptTokensMax), number(step.completionTokensMax),
                             money(step.costMin), money(step.costMax), .bool(step.exact)]))
            }))
        }
        writer.raw("}")
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    private static func money(_ value: Money?, _ writer: inout JSONWriter) {
        writer.money(value)
    }

    static func table(_ estimate: JobEstimate, pipeline: String, batchSize: Int) -> String {
        let subject = estimate.steps.isEmpty ? "\(estimate.model), \(estimate.encoding)" : "\(estimate.steps.count) steps"
        var lines = ["estimate for \(pipeline) (\(subject); no request sent)"]
        lines.append("  rows               \(estimate.rows)" + (estimate.badRows > 0 ? "  (+\(estimate.badRows) bad rows, see validate)" : ""))
        if estimate.cachedRows > 0 {
            lines.append("  cached rows        \(estimate.cachedRows)  (answers in the response cache: free, left out below)")
        }
        lines.append("  requests           \(estimate.requests)" + (estimate.steps.isEmpty ? "  (up to \(batchSize) prompts each)" : ""))
        if let most = estimate.promptTokensMax {
            lines.append("  prompt tokens      \(estimate.promptTokens) to \(most)  (exact for the first step; later steps depend on earlier answers)")
        } else {
            lines.append("  prompt tokens      \(estimate.promptTokens)  (exact)")
        }
        lines.append("  completion tokens  0 to \(estimate.completionTokensMax)")
        if let low = estimate.costMin, let high = estimate.costMax {
            lines.append("  cost               \(low) to \(high)  (prices: \(estimate.pricesSource ?? estimate.pricesDate))")
        } else {
            lines.append("  cost               unknown: '\(estimate.model)' has no price in the table of \(estimate.pricesDate) — add 'pricing: {\(estimate.model): {input: USD per 1M, output: USD per 1M}}'")
        }
        for step in estimate.steps {
            let tokens = step.exact ? "\(step.promptTokensMin)" : "\(step.promptTokensMin)–\(step.promptTokensMax)"
            let cost = step.costMin.flatMap { low in step.costMax.map { "\(low) to \($0)" } } ?? "cost unknown"
            lines.append("    step \(step.name) (\(step.endpoint), \(step.model)): up to \(step.rows) rows, \(step.requests) requests, \(tokens) prompt tokens, \(cost)")
        }
        if let seconds = estimate.minSeconds {
            lines.append("  least time         \(formatDuration(seconds))  (under the pipeline's rate limits)")
        } else {
            lines.append("  least time         not bounded: the pipeline sets no rate limits")
        }
        if !estimate.overContext.isEmpty {
            let shown = estimate.overContext.prefix(10).joined(separator: ", ")
            let more = estimate.overContext.count > 10 ? " and \(estimate.overContext.count - 10) more" : ""
            lines.append("  over context       \(estimate.overContext.count) rows cannot fit \(estimate.contextWindow ?? 0) tokens: \(shown)\(more)")
        }
        return lines.joined(separator: "\n")
    }

    static func formatDuration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        if total < 60 { return "\(total) s" }
        let (hours, minutes, secs) = (total / 3600, (total % 3600) / 60, total % 60)
        return hours > 0 ? "\(hours) h \(minutes) min" : "\(minutes) min \(secs) s"
    }
}

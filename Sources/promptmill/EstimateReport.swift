import Foundation
import PromptmillCore

/// The two ways `estimate` shows its figures.
enum EstimateReport {
    static func json(_ estimate: JobEstimate) -> String {
        JSONDocument.text(estimate)
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
            lines.append(
                "  prompt tokens      \(estimate.promptTokens) to \(most)  (exact for the first step; later steps depend on earlier answers)")
        } else {
            lines.append("  prompt tokens      \(estimate.promptTokens)  (exact)")
        }
        lines.append("  completion tokens  0 to \(estimate.completionTokensMax)")
        if let low = estimate.costMin, let high = estimate.costMax {
            lines.append("  cost               \(low) to \(high)  (prices: \(estimate.pricesSource ?? estimate.pricesDate))")
        } else {
            lines.append(
                "  cost               unknown: '\(estimate.model)' has no price in the table of \(estimate.pricesDate) — add 'pricing: {\(estimate.model): {input: USD per 1M, output: USD per 1M}}'"
            )
        }
        for step in estimate.steps {
            let tokens = step.exact ? "\(step.promptTokensMin)" : "\(step.promptTokensMin)–\(step.promptTokensMax)"
            let cost = step.costMin.flatMap { low in step.costMax.map { "\(low) to \($0)" } } ?? "cost unknown"
            lines.append(
                "    step \(step.name) (\(step.endpoint), \(step.model)): up to \(step.rows) rows, \(step.requests) requests, \(tokens) prompt tokens, \(cost)"
            )
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

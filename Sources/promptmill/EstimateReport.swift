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
        let perRequest =
            estimate.pack > 1
            ? "  (up to \(estimate.pack) rows each, packed)" : batchSize == 1 ? "  (one row each)" : "  (up to \(batchSize) prompts each)"
        lines.append("  requests           \(estimate.requests)" + (estimate.steps.isEmpty ? perRequest : ""))
        if let most = estimate.promptTokensMax {
            lines.append(
                "  prompt tokens      \(estimate.promptTokens) to \(most)  (exact for the first step; later steps depend on earlier answers)")
            if estimate.promptTokensBasis == .chatFramingRule {
                lines.append("                     responses steps: \(estimate.promptTokensBasis.explanation)")
            }
        } else {
            lines.append("  prompt tokens      \(estimate.promptTokens)  (\(estimate.promptTokensBasis.explanation))")
        }
        if let unpacked = estimate.unpacked {
            lines.append(
                "  unpacked           \(unpacked.requests) requests, \(unpacked.promptTokens) prompt tokens  (the same rows sent one a request)")
        }
        lines.append("  completion tokens  0 to \(estimate.completionTokensMax)")
        if let low = estimate.costMin, let high = estimate.costMax {
            let way = estimate.plan.map { "as planned: \(planned($0)); " } ?? ""
            lines.append("  cost               \(low) to \(high)  (\(way)prices: \(estimate.pricesSource ?? estimate.pricesDate))")
            lines += costEachWay(estimate)
        } else {
            lines.append(
                "  cost               unknown: '\(estimate.model)' has no price in the table of \(estimate.pricesDate) — add 'pricing: {\(estimate.model): {input: USD per 1M, output: USD per 1M}}'"
            )
        }
        for step in estimate.steps {
            let tokens = step.exact ? "\(step.promptTokensMin)" : "\(step.promptTokensMin)–\(step.promptTokensMax)"
            let cost = step.costMin.flatMap { low in step.costMax.map { "\(low) to \($0)" } } ?? "cost unknown"
            let packed = step.pack > 1 ? " (\(step.pack) rows a request; unpacked \(step.requestsUnpacked))" : ""
            lines.append(
                "    step \(step.name) (\(step.endpoint), \(step.model)): up to \(step.rows) rows, \(step.requests) requests\(packed), \(tokens) prompt tokens, \(cost)"
            )
        }
        if let seconds = estimate.minSeconds {
            let unpacked = estimate.unpacked?.minSeconds.map { "; unpacked \(formatDuration($0))" } ?? ""
            lines.append("  least time         \(formatDuration(seconds))  (under the pipeline's rate limits)\(unpacked)")
        } else {
            lines.append("  least time         not bounded: the pipeline sets no rate limits")
        }
        if let plan = estimate.plan {
            lines += self.plan(plan, mode: estimate.mode)
        }
        for uncapped in estimate.uncappedOutput {
            lines.append("  output limit       " + (estimate.steps.isEmpty ? "" : "step \(uncapped.step): ") + uncapped.advice)
        }
        if !estimate.overContext.isEmpty {
            let shown = estimate.overContext.prefix(10).joined(separator: ", ")
            let more = estimate.overContext.count > 10 ? " and \(estimate.overContext.count - 10) more" : ""
            lines.append("  over context       \(estimate.overContext.count) rows cannot fit \(estimate.contextWindow ?? 0) tokens: \(shown)\(more)")
        }
        if let check = estimate.check {
            lines.append("")
            lines += self.check(check)
        }
        return lines.joined(separator: "\n")
    }

    /// The ways a plan takes, with their rows when it splits: `batch`, `flex 1800 rows,
    /// standard 600 rows`.
    static func planned(_ plan: ModePlan) -> String {
        let ways = plan.rowsByMode.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        guard ways.count > 1 else { return plan.mode.summaryName }
        return ways.map { "\($0.key.summaryName) \($0.value) rows" }.joined(separator: ", ")
    }

    /// Standard, flex and batch, each a range or why there is none.
    static func costEachWay(_ estimate: JobEstimate) -> [String] {
        var lines: [String] = []
        for (index, way) in [ServiceTier.standard, .flex, .batch].enumerated() {
            let label =
                (index == 0 ? "  cost each way      " : "                     ") + way.summaryName.padding(toLength: 10, withPad: " ", startingAt: 0)
            guard let range = estimate.costByMode[way] else {
                lines.append(label + "not offered for \(estimate.flexNotOffered.joined(separator: ", "))")
                continue
            }
            var line = label + "\(range.min) to \(range.max)"
            if way == .flex, !estimate.flexNotOffered.isEmpty {
                line += "  (\(estimate.flexNotOffered.joined(separator: ", ")) at standard: no flex price)"
            }
            if way == .batch, !estimate.batchByRule.isEmpty {
                line += "  (half of standard: the table has no batch price for \(estimate.batchByRule.joined(separator: ", ")))"
            }
            lines.append(line)
        }
        return lines
    }

    /// The plan the job's mode follows, why, and the time each way needs.
    static func plan(_ plan: ModePlan, mode: JobMode) -> [String] {
        var lines = ["  plan (mode \(mode.rawValue))".padding(toLength: 21, withPad: " ", startingAt: 0) + "\(planned(plan)): \(plan.reason)"]
        var times: [String] = []
        for way in [ServiceTier.batch, .flex, .standard, .priority] {
            guard let seconds = plan.seconds[way] else { continue }
            switch way {
            case .batch: times.append("batch within \(Int(seconds / 3600)) h (the Batch API's window)")
            case .flex where seconds > 0:
                times.append("flex about \(formatDuration(seconds)) (\(Int(ModePlan.flexSlowdown)) × standard's, allowing for refusals)")
            case .flex, .standard, .priority:
                times.append("\(way.summaryName) " + (seconds > 0 ? formatDuration(seconds) : "no wait from the rate limits"))
            }
        }
        lines.append("  time each way      " + times.joined(separator: "; "))
        return lines
    }

    /// `--check N`: a line a request, offline count beside the API's, then the summary.
    static func check(_ report: TokenCountCheckReport) -> [String] {
        let sending =
            report.pack > 1 ? "packed \(report.pack) to a request as the run sends them, each request compared whole" : "each row its own request"
        var lines = ["check of POST \(report.url): \(report.rowsChecked) rows spread evenly over \(report.rowsInInput); \(sending)"]
        let names = report.samples.map { sample in
            sample.ids.count == 1 ? sample.ids[0] : "\(sample.ids[0]) … \(sample.ids[sample.ids.count - 1]) (\(sample.ids.count) rows)"
        }
        let heading = report.pack > 1 ? "rows" : "row"
        let width = max(heading.count, names.map(\.count).max() ?? 0) + 2
        func line(_ name: String, _ offline: String, _ api: String, _ difference: String) -> String {
            "  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + offline.padding(toLength: 9, withPad: " ", startingAt: 0)
                + api.padding(toLength: 9, withPad: " ", startingAt: 0) + difference
        }
        lines.append(line(heading, "offline", "API", "difference"))
        for (name, sample) in zip(names, report.samples) {
            lines.append(line(name, "\(sample.offline)", "\(sample.api)", signed(sample.difference)))
        }
        let unit = report.pack > 1 ? "requests" : "rows"
        var summary = "  \(report.equal) of \(report.samples.count) \(unit) equal"
        if let largest = report.largest, largest.difference != 0 {
            let share = Double(largest.difference) / Double(max(largest.offline, 1)) * 100
            let name = names[report.samples.firstIndex(of: largest) ?? 0]
            summary +=
                "; largest difference \(signed(largest.difference)) tokens (" + String(format: "%+.1f%%", share)
                + ") at \(name): the API counts \(largest.difference > 0 ? "more" : "fewer")"
        } else {
            summary += "; largest difference 0 tokens"
        }
        lines.append(summary)
        return lines
    }

    static func signed(_ value: Int) -> String {
        value > 0 ? "+\(value)" : "\(value)"
    }

    static func formatDuration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        if total < 60 { return "\(total) s" }
        let (hours, minutes, secs) = (total / 3600, (total % 3600) / 60, total % 60)
        return hours > 0 ? "\(hours) h \(minutes) min" : "\(minutes) min \(secs) s"
    }
}

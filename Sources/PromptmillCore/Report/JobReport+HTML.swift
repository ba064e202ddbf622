import Foundation

extension JobReport {
    /// The charts the page draws, by canvas id and title.
    static let charts: [(id: String, title: String)] = [
        ("chart-throughput", "Rows/s and requests/min against the limit"),
        ("chart-tokens", "Tokens/min against the limit"),
        ("chart-latency", "Latency percentiles"),
        ("chart-retries", "Retries by cause and 429 answers"),
        ("chart-spend", "Spend against the budget"),
        ("chart-cache", "Cache-hit share of the rows"),
        ("chart-outcomes", "Rows by outcome per step"),
    ]

    /// The page: one self-contained HTML document with `chartLibrary` inlined, the charts'
    /// data as one JSON blob, and the tables written out (every id and message escaped).
    public func html(chartLibrary: ChartLibrary) -> String {
        var page = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>promptmill report: \(HTMLText.escaped(jobName))</title>
            <style>
            body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #111827; background: #fff; }
            h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
            .meta, .note { color: #4b5563; } .note { margin: 4px 0; }
            table { border-collapse: collapse; margin: 4px 0 12px; } td, th { border-bottom: 1px solid #e5e7eb; padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; } code { font-size: 12px; }
            .charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 20px; }
            .chart h3 { font-size: 14px; margin: 0 0 6px; } .chart div { position: relative; height: 280px; }
            pre#check { color: #9ca3af; font-size: 11px; }
            </style>
            <script>\(ReportPageScript.guardScript)</script>
            <script>\(chartLibrary.script.replacingOccurrences(of: "</script", with: "<\\/script"))</script>
            </head><body>
            <h1>promptmill report: \(HTMLText.escaped(jobName))</h1>
            <p class="meta">pipeline <code>\(HTMLText.escaped(pipelinePath))</code> · output <code>\(HTMLText.escaped(outputPath))</code> · written \(Self.time(generatedAt.timeIntervalSince1970))</p>

            """
        for note in notes { page += "<p class=\"note\">note: \(HTMLText.escaped(note))</p>\n" }
        page += summaryIsStale ? "<h2>Summary (as the last run that ended left it: stale)</h2>\n<table>\n" : "<h2>Summary</h2>\n<table>\n"
        for fact in summary { page += "<tr><th>\(HTMLText.escaped(fact.name))</th><td class=\"n\">\(HTMLText.escaped(fact.value))</td></tr>\n" }
        page += "<tr><th>rows read from the output</th><td class=\"n\">\(digest.records)</td></tr>\n"
        if let inputRows { page += "<tr><th>rows in the input</th><td class=\"n\">\(inputRows)</td></tr>\n" }
        if let pendingRows { page += "<tr><th>rows pending (no record yet)</th><td class=\"n\">\(pendingRows)</td></tr>\n" }
        if let share = cacheHitShare { page += "<tr><th>cache-hit share</th><td class=\"n\">\(String(format: "%.1f%%", share * 100))</td></tr>\n" }
        page += "<tr><th>timeline samples</th><td class=\"n\">\(timeline.samples)</td></tr>\n</table>\n"
        page += "<h2>Charts</h2>\n<div class=\"charts\">\n"
        for chart in Self.charts {
            page += "<div class=\"chart\"><h3>\(chart.title)</h3><div><canvas id=\"\(chart.id)\"></canvas></div></div>\n"
        }
        page += "</div>\n"
        page += costliestTable() + failuresTable() + slowestTable()
        let data = HTMLText.scriptJSON(JSONDocument.text(ReportPageData(self)))
        page += """
            <pre id="check">not drawn</pre>
            <script type="application/json" id="report-data">\(data)</script>
            <script>\(ReportPageScript.drawScript)</script>
            </body></html>

            """
        return page
    }

    private func costliestTable() -> String {
        var html = "<h2>Costliest rows</h2>\n"
        guard !digest.costliest.isEmpty else { return html + "<p class=\"note\">no row cost anything.</p>\n" }
        html += "<table><tr><th>id</th><th>cost (USD)</th><th>prompt tokens</th><th>completion tokens</th><th>attempts</th></tr>\n"
        for row in digest.costliest {
            html += "<tr><td><code>\(HTMLText.escaped(row.id))</code></td><td class=\"n\">\(String(format: "%.6f", row.costUSD))</td>"
            html += "<td class=\"n\">\(row.promptTokens)</td><td class=\"n\">\(row.completionTokens)</td><td class=\"n\">\(row.attempts)</td></tr>\n"
        }
        return html + "</table>\n"
    }

    private func failuresTable() -> String {
        var html = "<h2>Failed rows by error type</h2>\n"
        guard !digest.failures.isEmpty else { return html + "<p class=\"note\">no row failed.</p>\n" }
        html += "<table><tr><th>error type</th><th>rows</th><th>examples (id, status, message)</th></tr>\n"
        for group in digest.failures.sorted(by: { $0.count > $1.count }) {
            let examples = group.examples.map { example in
                var text = "<code>\(HTMLText.escaped(example.id))</code>"
                if let step = example.step { text += " (step \(HTMLText.escaped(step)))" }
                if let status = example.status { text += " \(status)" }
                return text + ": " + HTMLText.escaped(String(example.message.prefix(300)))
            }
            html += "<tr><td><code>\(HTMLText.escaped(group.type))</code></td><td class=\"n\">\(group.count)</td>"
            html += "<td>\(examples.joined(separator: "<br>"))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    private func slowestTable() -> String {
        var html = "<h2>Slowest requests</h2>\n"
        guard !slowest.isEmpty else { return html + "<p class=\"note\">none recorded.</p>\n" }
        html += "<table><tr><th>sent (UTC)</th><th>latency (ms)</th><th>step</th><th>status</th><th>rows</th></tr>\n"
        for request in slowest {
            let status = request.status.map(String.init) ?? "no answer"
            let rows = request.rowIDs.map { "<code>\(HTMLText.escaped($0))</code>" }.joined(separator: ", ")
            html += "<tr><td>\(Self.time(request.start))</td><td class=\"n\">\(String(format: "%.0f", request.latencyMs))</td>"
            html += "<td>\(HTMLText.escaped(request.step))</td><td class=\"n\">\(status)</td><td>\(rows)</td></tr>\n"
        }
        return html + "</table>\n"
    }

    /// `2025-03-01 12:00:05Z`.
    static func time(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter.string(from: Date(timeIntervalSince1970: seconds)) + "Z"
    }
}

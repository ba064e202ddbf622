/// What a person waiting for a run wants to know, from the run's figures at one moment:
/// rows done and left, rows/s, the time left, spend so far and projected to the end,
/// 429s, and how much of a budget is left. `ProgressReporter` draws it as a bar or as a
/// plain `key=value` line.
///
/// The rate counts this run's rows only (earlier runs' records are not this run's speed),
/// over the last minute once there is one (`RecentRate`), the run's average before;
/// the projection prices the rows left at what the job's records cost per row so far
/// (cache hits included at $0, as they will keep coming).
public struct ProgressLine: Sendable, Equatable {
    public var done: Int
    /// Rows without a record yet; nil when the input's size is not known.
    public var left: Int?
    public var total: Int?
    /// This run's rows per second, over the last minute when known.
    public var rowsPerSecond: Double
    /// Seconds to the end at `rowsPerSecond`; nil when unknown (no rate or no total).
    public var etaSeconds: Double?
    /// What the job has spent or may have been billed; nil when the model has no price.
    public var spent: Money?
    /// `spent` plus the rows left at the cost per row so far; nil when unknown.
    public var projected: Money?
    /// The cap less `spent`; nil without a cap (or a price).
    public var budgetLeft: Money?
    public var failed: Int
    public var cached: Int
    public var requests: Int
    public var retries: Int
    public var rateLimited: Int
    public var elapsedSeconds: Double

    /// `elapsed`: since this run started; `cap`: the budget's `max_usd`, if any; `recent`:
    /// this run's rows per second lately (nil: the run's average is used).
    public init(_ statistics: RunStatistics, elapsed: Duration, cap: Money?, recent: Double? = nil) {
        let seconds = max(0.001, ProgressReporter.seconds(elapsed))
        let left = statistics.totalRows.map { max(0, $0 - statistics.done) }
        let rate = recent ?? Double(max(0, statistics.done - statistics.resumedRows)) / seconds
        let spent = statistics.spent ?? statistics.cost
        done = statistics.done
        total = statistics.totalRows
        self.left = left
        rowsPerSecond = rate
        etaSeconds = left.flatMap { left in rate > 0 ? Double(left) / rate : (left == 0 ? 0 : nil) }
        self.spent = spent
        if let spent, let cost = statistics.cost, let left, statistics.items > 0 {
            let perRow = Double(cost.picodollars) / Double(statistics.items)
            projected = spent + Money(picodollars: Int64((perRow * Double(left)).rounded()))
        }
        budgetLeft = cap.flatMap { cap in spent.map { cap - $0 } }
        failed = statistics.failed
        cached = statistics.cacheHits
        requests = statistics.requests
        retries = statistics.retries
        rateLimited = statistics.rateLimited
        elapsedSeconds = seconds
    }

    /// `████░░ 1200/2400 rows  85.3 rows/s  ETA 00:14  $0.0123 spent → $0.0246  3 429s  $9.98 of budget left`.
    public var bar: String {
        var line: String
        if let total, total > 0 {
            let width = 30
            let filled = Int(min(1, Double(done) / Double(total)) * Double(width))
            line = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            line += " \(done)/\(total) rows  \(ProgressReporter.format(rowsPerSecond)) rows/s"
            line += "  ETA " + (etaSeconds.map(ProgressReporter.clock) ?? "--:--")
        } else {
            line = "\(done) rows  \(ProgressReporter.format(rowsPerSecond)) rows/s"
        }
        if let spent { line += "  \(Self.short(spent)) spent" + (projected.map { " → \(Self.short($0))" } ?? "") }
        if cached > 0 { line += "  \(cached) cached" }
        if failed > 0 { line += "  \(failed) failed" }
        if rateLimited > 0 { line += "  \(rateLimited) 429s" }
        if retries > 0 { line += "  \(retries) retries" }
        if let budgetLeft { line += "  \(Self.short(budgetLeft)) of budget left" }
        return line
    }

    /// One `key=value` line a log collector can read; unknown values are left out.
    public var plain: String {
        var fields = ["progress rows=\(done)/\(total.map(String.init) ?? "?")"]
        if let left { fields.append("left=\(left)") }
        fields += [
            "failed=\(failed)", "cached=\(cached)", "requests=\(requests)", "retries=\(retries)", "rate_limited=\(rateLimited)",
            "rows_per_s=\(ProgressReporter.format(rowsPerSecond))",
        ]
        if let etaSeconds { fields.append("eta_s=\(Int(etaSeconds.rounded()))") }
        if let spent { fields.append("spent_usd=\(spent.decimalText)") }
        if let projected { fields.append("projected_usd=\(projected.decimalText)") }
        if let budgetLeft { fields.append("budget_left_usd=\(budgetLeft.decimalText)") }
        fields.append("elapsed_s=\(Int(elapsedSeconds))")
        return fields.joined(separator: " ")
    }

    /// Dollars to four places (`$0.0123`), or the full `Money` text below a cent's hundredth.
    static func short(_ money: Money) -> String {
        let dollars = money.dollars
        return abs(dollars) >= 0.0001 || dollars == 0 ? String(format: "$%.4f", dollars) : money.description
    }
}

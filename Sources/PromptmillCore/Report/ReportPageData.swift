/// The one JSON blob the report's script draws its charts from.
struct ReportPageData: Encodable {
    struct StepOutcomes: Encodable {
        var step: String
        var counts: [String: Int]
    }

    var job: String
    var budgetUSD: Double?
    var timeline: ReportTimeline
    var steps: [StepOutcomes]
    /// Every outcome label, in the order the chart stacks them.
    var outcomes: [String]
    var answered: Int
    var fromCache: Int
    var failed: Int
    var pending: Int

    init(_ report: JobReport) {
        job = report.jobName
        budgetUSD = report.budgetUSD
        timeline = report.timeline
        let digest = report.digest
        let order = report.steps + digest.steps.filter { !report.steps.contains($0) }
        steps = order.map { StepOutcomes(step: $0, counts: digest.outcomes[$0] ?? [:]) }
        let labels = Set(digest.outcomes.values.flatMap(\.keys))
        let fixed = ["answered", "from cache", "skipped (when)"]
        outcomes = fixed.filter(labels.contains) + labels.subtracting(fixed).sorted()
        answered = digest.answered
        fromCache = digest.fromCache
        failed = digest.failed
        pending = report.pendingRows ?? 0
    }
}

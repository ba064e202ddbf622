import Foundation

/// Everything `promptmill report` shows about a job: its summary, its timeline (from the job
/// store), and what its output records say (`OutputDigest`). Built by
/// `JobReport(configuration:timeline:)`, written by `html(chartLibrary:)`.
public struct JobReport: Sendable {
    /// One line of the summary table.
    public struct Fact: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var jobName: String
    public var pipelinePath: String
    public var outputPath: String
    public var generatedAt: Date
    /// The summary table: `OUTPUT.summary.json`'s figures, and the ledger's progress.
    public var summary: [Fact] = []
    /// The summary file counts other records than the output holds now (a run is under
    /// way or was killed): the page says so above the table.
    public var summaryIsStale = false
    /// The budget's cap, drawn on the spend chart.
    public var budgetUSD: Double?
    /// Steps in the pipeline's order.
    public var steps: [String]
    public var timeline = ReportTimeline()
    /// Slowest first.
    public var slowest: [SlowRequest] = []
    public var digest: OutputDigest
    /// Rows the input holds (bad rows left out), as the job store last counted them; nil
    /// when unknown.
    public var inputRows: Int?
    /// Input rows without a record yet; nil when the input's size is unknown.
    public var pendingRows: Int? { inputRows.map { max(0, $0 - digest.records) } }
    /// Notes for the reader (no timeline recorded, a run holds the job now).
    public var notes: [String] = []

    public init(jobName: String, pipelinePath: String, outputPath: String, steps: [String], generatedAt: Date = Date()) {
        self.jobName = jobName
        self.pipelinePath = pipelinePath
        self.outputPath = outputPath
        self.steps = steps
        self.generatedAt = generatedAt
        digest = OutputDigest(stepName: steps.first ?? jobName)
    }

    /// Rows served from the cache among the rows that got an answer, 0...1; nil without any.
    public var cacheHitShare: Double? {
        let answers = digest.answered + digest.fromCache
        return answers == 0 ? nil : Double(digest.fromCache) / Double(answers)
    }
}

import Foundation
@testable import PromptmillCore
@testable import PromptmillPostgres

/// Workers of one shared job, each with a `PostgresJobState` of its own (its own
/// connections, as separate processes have), in a schema of their own.
enum SharedJobFixture {
    static let jobName = "reviews"
    static let fingerprint = JobFingerprint(request: "request-1", input: "input-1", records: "records-1", output: "output-1")
    static let outputPath = "/tmp/out/reviews.jsonl.gz"

    /// Runs `body` with `count` states of the job; `leases` gives each its lease (default 20 s).
    static func with<Result>(
        _ count: Int, leases: [Duration]? = nil, _ body: ([PostgresJobState]) async throws -> Result
    ) async throws -> Result {
        try await TestDatabase.withSchema { schema in
            let url = try TestDatabase.url()
            let states = try (0..<count).map { index in
                try PostgresJobState.open(url: url, jobName: jobName, lease: leases?[index] ?? .seconds(20), schema: schema)
            }
            defer {
                for state in states {
                    state.database.close()
                }
            }
            return try await body(states)
        }
    }

    /// Starts a run of the job on `state`: its run's id.
    @discardableResult
    static func start(
        _ state: PostgresJobState, mode: JobLedger.StartMode = .resume, fingerprint: JobFingerprint = fingerprint
    ) throws -> JobLedger.Start {
        try state.store.start(name: jobName, fingerprint: fingerprint, outputPath: outputPath, mode: mode)
    }

    /// A segment holding `rows` (each a record that cost `cost` picodollars) ending at `end`.
    static func segment(_ rows: ClosedRange<Int>, end: UInt64, cost: Int64 = 10) -> JobLedger.Segment {
        var ranges = RowRanges()
        for row in rows { ranges.append(row) }
        var totals = JobLedger.RecordTotals()
        totals.items = rows.count
        totals.succeeded = rows.count
        totals.usage = TokenUsage(promptTokens: 5 * rows.count, completionTokens: 2 * rows.count)
        totals.cost = Money(picodollars: cost * Int64(rows.count))
        return JobLedger.Segment(endOffset: end, rows: ranges, totals: totals)
    }

    /// The row numbers of `set` up to `limit`.
    static func rows(_ set: RowSet, upTo limit: Int) -> [Int] {
        (1...limit).filter { set.contains($0) }
    }
}

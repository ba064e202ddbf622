import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import PromptmillCore

/// One worker run's claims on a shared job's input rows, in chunks of `chunkRows` rows
/// (table `chunks`), under the run's lease on the database's clock.
///
/// A chunk is claimed with one `UPDATE ... FOR UPDATE SKIP LOCKED` statement: two workers
/// claiming at once never get the same chunk, and a chunk whose holder's lease has expired
/// (the worker died, or left) is claimable again. The claim carries the chunk's rows that
/// already have a record (from any run's segments), which the worker passes over.
///
/// A chunk is marked done by `settleDone`, which the worker calls only when its flow ended
/// cleanly (every row it read has a record or went to the rejects): it marks done every
/// chunk this object claimed and the run still holds, without counting records per chunk
/// (bad input rows have none).
public final class PostgresRowClaims: RowClaims {
    /// Rows per chunk.
    public static let chunkRows = 1024

    public let database: PostgresDatabase
    public let jobName: String
    public let run: Int64
    /// The first rows of the chunks this object claimed.
    private let claimed = NIOLockedValueBox<[Int64]>([])

    public init(database: PostgresDatabase, jobName: String, run: Int64) {
        self.database = database
        self.jobName = jobName
        self.run = run
    }

    /// Makes the chunks of a job of `rows` input rows unless a worker already made them
    /// (concurrent calls are safe: existing chunks are kept), and records `rows` in the
    /// job's `chunked_rows`.
    static func makeChunks(database: PostgresDatabase, job: String, rows: Int) async throws(StateError) {
        try await database.execute(
            """
            WITH made AS (
                INSERT INTO chunks (job, first_row, end_row)
                SELECT \(job), first, least(first + \(chunkRows), \(rows) + 1)
                FROM generate_series(1::bigint, \(rows)::bigint, \(chunkRows)::bigint) AS first
                ON CONFLICT (job, first_row) DO NOTHING
            )
            UPDATE jobs SET chunked_rows = coalesce(chunked_rows, \(rows)) WHERE name = \(job)
            """, action: "making the chunks of job '\(job)'")
    }

    /// Claims the lowest chunk not done that no live run holds; nil when none is left now.
    public func claim() async throws(StateError) -> RowClaim? {
        let job = jobName
        let action = "claiming rows of job '\(job)'"
        let claimed = self.claimed.withLockedValue { $0 }
        // A chunk this run holds but never got (a claim whose answer a dropped connection
        // lost) is claimed again; the ones it got are not.
        let rows = try await database.query(
            """
            UPDATE chunks SET holder = \(run)
            FROM (
                SELECT c.first_row FROM chunks c LEFT JOIN runs r ON r.id = c.holder
                WHERE c.job = \(job) AND NOT c.done AND NOT (c.first_row = ANY(\(claimed)))
                    AND (c.holder IS NULL OR c.holder = \(run) OR r.lease_until <= clock_timestamp())
                ORDER BY c.first_row LIMIT 1
                FOR UPDATE OF c SKIP LOCKED
            ) AS next
            WHERE chunks.job = \(job) AND chunks.first_row = next.first_row
            RETURNING chunks.first_row, chunks.end_row
            """, action: action)
        guard let row = rows.first else { return nil }
        let (first, end) = try database.decoding(action) { try row.decode((Int64, Int64).self) }
        self.claimed.withLockedValue { $0.append(first) }
        let chunk = Int(first)..<Int(end)
        var recorded = RowSet()
        for segment in try await database.query(
            "SELECT rows FROM segments WHERE job = \(job) AND first_row < \(end) AND last_row >= \(first)", action: action)
        {
            let bytes = try database.decoding(action) { Array(try segment.decode(ByteBuffer.self).readableBytesView) }
            try RowRanges(encoded: bytes).forEach { low, high in
                let lower = max(low, chunk.lowerBound)
                let upper = min(high + 1, chunk.upperBound)
                guard lower < upper else { return }
                for number in lower..<upper { recorded.insert(number) }
            }
        }
        return RowClaim(rows: chunk, recorded: recorded)
    }

    /// Marks done every chunk this object claimed that the run still holds (see the type's
    /// note: called only at a clean end of the worker's flow).
    public func settleDone() async throws(StateError) {
        let claimed = self.claimed.withLockedValue { $0 }
        guard !claimed.isEmpty else { return }
        try await database.execute(
            """
            UPDATE chunks SET done = true
            WHERE job = \(jobName) AND holder = \(run) AND first_row = ANY(\(claimed)) AND NOT done
            """, action: "marking rows of job '\(jobName)' done")
    }

    /// Chunks not done are held by other runs whose lease is live.
    public func othersHoldChunks() async throws(StateError) -> Bool {
        let action = "looking for other workers of job '\(jobName)'"
        let rows = try await database.query(
            """
            SELECT EXISTS (
                SELECT 1 FROM chunks c JOIN runs r ON r.id = c.holder
                WHERE c.job = \(jobName) AND NOT c.done AND c.holder <> \(run) AND r.lease_until > clock_timestamp()
            )
            """, action: action)
        return try database.decoding(action) { try rows[0].decode(Bool.self) }
    }
}

import NIOCore
import PostgresNIO
import PromptmillCore

extension PostgresJobState {
    /// Every run that committed records, in run order: its part's path beside the job's
    /// output, the end of its last committed member, and the rows its members hold.
    public func parts() throws(StateError) -> [OutputPart] {
        let action = "reading the parts of job '\(jobName)'"
        let rows = try database.query(
            """
            SELECT s.run, s.end_offset, s.rows, j.output_path
            FROM segments s JOIN jobs j ON j.name = s.job
            WHERE s.job = \(jobName) AND octet_length(s.rows) > 0
            ORDER BY s.run, s.seq
            """, action: action)
        var parts: [OutputPart] = []
        for row in rows {
            let (run, end, bytes, output) = try database.decoding(action) {
                let (run, end, rows, output) = try row.decode((Int64, Int64, ByteBuffer, String).self)
                return (run, UInt64(end), Array(rows.readableBytesView), output)
            }
            if parts.last?.run != run {
                parts.append(OutputPart(run: run, path: OutputPart.path(output: output, run: run), committedEnd: 0, rows: RowRanges()))
            }
            parts[parts.count - 1].committedEnd = max(parts[parts.count - 1].committedEnd, end)
            try RowRanges(encoded: bytes).forEach { first, last in
                for number in first...last { parts[parts.count - 1].rows.append(number) }
            }
        }
        return parts
    }

    /// Takes the right to write the job's output with a session-level advisory lock on the
    /// database's synchronous connection (keys "pmco" and the schema-qualified job name);
    /// false when another worker holds it. The lock ends with `endCollect`, or with the
    /// connection: when the process dies, or the server drops it.
    public func beginCollect() async throws(StateError) -> Bool {
        try collectLock(take: true)
    }

    public func endCollect() async {
        _ = try? collectLock(take: false)
    }

    /// Takes (or lets go of) the collect lock; synchronous, so it runs on the synchronous
    /// connection, whose session holds the lock.
    private func collectLock(take: Bool) throws(StateError) -> Bool {
        let action = take ? "taking the collect lock of job '\(jobName)'" : "letting go of the collect lock of job '\(jobName)'"
        let function = take ? "pg_try_advisory_lock" : "pg_advisory_unlock"
        let rows = try database.query(
            """
            SELECT \(unescaped: function)(\(Self.collectLockKey), hashtext(coalesce(current_schema(), '') || '.' || \(jobName)))
            """, action: action)
        return try database.decoding(action) { try rows[0].decode(Bool.self) }
    }

    /// Every run of the job's generation, in run order: its machine and process, the rows
    /// it recorded, the chunks it holds, and its lease's seconds left (negative: expired).
    public func workers() throws(StateError) -> [WorkerStatus] {
        let action = "reading the workers of job '\(jobName)'"
        let rows = try database.query(
            """
            SELECT r.id, r.host, r.pid,
                coalesce((SELECT sum(s.items) FROM segments s WHERE s.run = r.id), 0)::bigint,
                (SELECT count(*) FROM chunks c WHERE c.job = r.job AND c.holder = r.id AND NOT c.done),
                extract(epoch FROM r.lease_until - clock_timestamp())::float8, r.outcome
            FROM runs r WHERE r.job = \(jobName) ORDER BY r.id
            """, action: action)
        return try database.decoding(action) {
            try rows.map { row in
                let (run, host, pid, recorded, chunks, lease, outcome) = try row.decode((Int64, String, Int, Int, Int, Double, String?).self)
                return WorkerStatus(run: run, host: host, pid: pid, rows: recorded, chunks: chunks, leaseSeconds: lease, outcome: outcome)
            }
        }
    }
}

import Foundation
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import PromptmillCore

/// One job's ledger in a PostgreSQL database that several workers share
/// (`state: postgres://...`): `JobLedger`'s twin, with every worker's runs and segments in
/// the tables `jobs`, `runs`, `segments` and `chunks` (`PostgresSchema.jobTables`), keyed
/// by the job's name.
///
/// It differs from `JobLedger` where many workers make it differ:
/// - every run of a worker writes a part of its own (`OutputPart.path(output:run:)`), so
///   `progress().outputEnd` is the committed end of *this store's* run's part (0 before its
///   first commit, and before `start`), and `start` never looks at the output file (`collect`
///   checks the parts);
/// - `progress().done`, `records` and `runs` sum every run of the generation, live or dead;
/// - `start` with `.fresh`, `.rewrite` or a changed fingerprint starts the job again only
///   when no other worker's lease is live; otherwise it throws;
/// - spend lives in the job's row (`PostgresSpend`), so `recordSpend` does nothing.
///
/// Its methods are synchronous (the `JobStore` protocol's) and use the database's one
/// synchronous connection. Every error is a `StateError.postgres`.
public final class PostgresJobStore: JobStore {
    public let database: PostgresDatabase
    /// The job's name: the key of its rows in every table.
    public let jobName: String
    /// How long a run's lease lasts unless renewed (`PostgresJobState` renews it while the
    /// worker lives); `start` gives the new run one.
    public let lease: Duration
    /// The run `start` made; nil before.
    private let currentRun = NIOLockedValueBox<Int64?>(nil)

    /// A store for `jobName` in `database`, whose schema must be migrated
    /// (`PostgresMigrator(PostgresSchema.migrations)`).
    public init(database: PostgresDatabase, jobName: String, lease: Duration = .seconds(20)) {
        self.database = database
        self.jobName = jobName
        self.lease = lease
    }

    /// The run `start` made, whose part `progress().outputEnd` describes.
    public var run: Int64? { currentRun.withLockedValue { $0 } }

    public func progress() throws(StateError) -> JobLedger.Progress? {
        let run = self.run
        return try Self.readProgress(job: jobName, run: run, database: database) { query, action throws(StateError) in
            try database.query(query, action: action)
        }
    }

    /// Starts a run of the job (`name` is this store's job; it must be `jobName`).
    ///
    /// Continues the recorded generation when `fingerprint` matches and `mode` is `.resume`;
    /// otherwise starts the job again: a new generation with `.fresh` or a changed
    /// fingerprint (segments, runs, chunks and spend go), the same one with `.rewrite` (its
    /// records go, what its failed records were billed stays). Starting again is refused
    /// while another worker's lease is live. Workers starting at the same moment agree on
    /// one job row: the row is inserted if missing and locked for the decision.
    ///
    /// The new run gets a lease of `lease` from now on the database's clock.
    public func start(name: String, fingerprint: JobFingerprint, outputPath: String, mode: JobLedger.StartMode) throws(StateError)
        -> JobLedger.Start
    {
        precondition(name == jobName, "a PostgresJobStore serves job '\(jobName)', not '\(name)'")
        let job = jobName
        let location = database.url.description
        let generation = ByteBuffer(bytes: JobGeneration.random().bytes)
        let leaseMilliseconds = PostgresDatabase.milliseconds(lease)
        let host = Self.hostName()
        let pid = Int64(getpid())
        let started = try database.transaction(action: "starting job '\(job)'") { transaction throws(StateError) -> JobLedger.Start in
            let inserted = try transaction.execute(
                """
                INSERT INTO jobs (name, generation, request_fingerprint, input_fingerprint, records_fingerprint,
                    output_fingerprint, output_path, started_at)
                VALUES (\(job), \(generation), \(fingerprint.request), \(fingerprint.input), \(fingerprint.records),
                    \(fingerprint.output), \(outputPath), clock_timestamp())
                ON CONFLICT (name) DO NOTHING
                """, action: "creating job '\(job)'")
            // Workers starting at once queue here; each decides on what the one before left.
            let rows = try transaction.query(
                """
                SELECT request_fingerprint, input_fingerprint, records_fingerprint, output_fingerprint
                FROM jobs WHERE name = \(job) FOR NO KEY UPDATE
                """, action: "locking job '\(job)'")
            guard let locked = rows.first else {
                throw .postgres(server: location, action: "starting job '\(job)'", reason: "the job's row is missing", advice: "")
            }
            let existing = try database.decoding("reading job '\(job)'") {
                let (request, input, records, output) = try locked.decode((String, String, String, String).self)
                return JobFingerprint(request: request, input: input, records: records, output: output)
            }
            var reason: String?
            var rewriting = false
            if inserted == 0 {
                let changes = fingerprint.changes(from: existing)
                reason = JobLedger.restartReason(mode: mode, changes: changes)
                if let why = reason {
                    let live = try database.decoding("counting the workers of job '\(job)'") {
                        try transaction.query(
                            "SELECT count(*) FROM runs WHERE job = \(job) AND lease_until > clock_timestamp()",
                            action: "counting the workers of job '\(job)'"
                        )[0].decode(Int.self)
                    }
                    if live > 0 {
                        throw Self.workersRunning(live, job: job, location: location, why: why)
                    }
                    let keepGeneration = mode != .fresh && changes.isEmpty
                    rewriting = keepGeneration
                    try Self.reset(job: job, keepGeneration: keepGeneration, fingerprint: fingerprint, outputPath: outputPath, in: transaction)
                }
            }
            let run = try database.decoding("starting a run of job '\(job)'") {
                try transaction.query(
                    """
                    INSERT INTO runs (job, host, pid, lease_until)
                    VALUES (\(job), \(host), \(pid), clock_timestamp() + \(leaseMilliseconds) * interval '1 millisecond')
                    RETURNING id
                    """, action: "starting a run of job '\(job)'"
                )[0].decode(Int64.self)
            }
            guard
                let progress = try Self.readProgress(
                    job: job, run: run, database: database,
                    query: { query, action throws(StateError) in try transaction.query(query, action: action) })
            else {
                throw .postgres(server: location, action: "starting job '\(job)'", reason: "the job's row is missing", advice: "")
            }
            let unfinished = try database.decoding("reading the runs of job '\(job)'") {
                try transaction.query(
                    "SELECT count(*) FROM runs WHERE job = \(job) AND id <> \(run) AND outcome IS NULL",
                    action: "reading the runs of job '\(job)'"
                )[0].decode(Int.self)
            }
            let resumed = reason == nil && inserted == 0
            return JobLedger.Start(
                progress: progress, restartReason: reason, resumed: resumed && progress.done.count > 0, runID: run,
                mayHaveUnrecordedAnswers: rewriting ? progress.runCount > 1 : unfinished > 0, rewriting: rewriting)
        }
        currentRun.withLockedValue { $0 = started.runID }
        return started
    }

    /// Sets the job's earlier progress aside: its records (and with them its chunks, which
    /// are made again when the next worker joins), and unless `keepGeneration`, its runs,
    /// its spend and its generation.
    private static func reset(
        job: String, keepGeneration: Bool, fingerprint: JobFingerprint, outputPath: String, in transaction: PostgresTransaction
    ) throws(StateError) {
        let action = "starting job '\(job)' again"
        try transaction.execute("DELETE FROM chunks WHERE job = \(job)", action: action)
        try transaction.execute("UPDATE jobs SET chunked_rows = NULL WHERE name = \(job)", action: action)
        // A generation kept keeps what its lost records were billed for (segments of no
        // rows, `BilledFailures`), and its runs, whose spend still counts.
        guard !keepGeneration else {
            try transaction.execute("DELETE FROM segments WHERE job = \(job) AND items > 0", action: action)
            return
        }
        try transaction.execute("DELETE FROM segments WHERE job = \(job)", action: action)
        try transaction.execute("DELETE FROM runs WHERE job = \(job)", action: action)
        let generation = ByteBuffer(bytes: JobGeneration.random().bytes)
        try transaction.execute(
            """
            UPDATE jobs SET generation = \(generation), request_fingerprint = \(fingerprint.request),
                input_fingerprint = \(fingerprint.input), records_fingerprint = \(fingerprint.records),
                output_fingerprint = \(fingerprint.output), output_path = \(outputPath), started_at = clock_timestamp(),
                spent_picodollars = 0, reserved_picodollars = 0
            WHERE name = \(job)
            """, action: action)
    }

    /// The error for starting a job again while `count` workers run it.
    static func workersRunning(_ count: Int, job: String, location: String, why: String) -> StateError {
        let workers = count == 1 ? "1 worker is" : "\(count) workers are"
        return .postgres(
            server: location, action: "starting job '\(job)' again (\(why))",
            reason: "\(workers) running job '\(job)' on this database",
            advice: "stop them or wait for them to finish, then run again")
    }

    public func storedInputScan(for fingerprint: JobFingerprint) throws(StateError) -> (rows: Int, badRows: Int)? {
        let action = "reading the input scan of job '\(jobName)'"
        let rows = try database.query(
            "SELECT scanned_input, input_rows, input_bad_rows FROM jobs WHERE name = \(jobName)", action: action)
        guard let row = rows.first else { return nil }
        let (scanned, count, bad) = try database.decoding(action) { try row.decode((String?, Int?, Int?).self) }
        guard scanned == Self.scanKey(fingerprint), let count, let bad else { return nil }
        return (count, bad)
    }

    public func recordInputScan(fingerprint: JobFingerprint, rows: Int, badRows: Int) throws(StateError) {
        try database.execute(
            """
            UPDATE jobs SET scanned_input = \(Self.scanKey(fingerprint)), input_rows = \(rows), input_bad_rows = \(badRows)
            WHERE name = \(jobName)
            """, action: "recording the input scan of job '\(jobName)'")
    }

    /// A scan holds for one input read with one template, id field and bad-row policy
    /// (as `JobLedger`'s).
    static func scanKey(_ fingerprint: JobFingerprint) -> String {
        fingerprint.input + fingerprint.records + fingerprint.request
    }

    /// Commits a member of `run`'s part (its end offset within that part) and the run's
    /// counters in one transaction; `outcome` ends the run.
    public func commit(_ segment: JobLedger.Segment?, run: Int64, counters: JobLedger.RunCounters, outcome: String?) throws(StateError) {
        let job = jobName
        try database.transaction(action: "committing records of job '\(job)'") { transaction throws(StateError) in
            if let segment {
                try Self.insert(segment, job: job, run: run, in: transaction)
            }
            try transaction.execute(
                """
                UPDATE runs SET requests = \(counters.requests), retries = \(counters.retries),
                    rate_limited = \(counters.rateLimited), updated_at = clock_timestamp(),
                    ended_at = CASE WHEN \(outcome)::text IS NULL THEN NULL ELSE clock_timestamp() END, outcome = \(outcome)
                WHERE id = \(run)
                """, action: "updating run \(run) of job '\(job)'")
        }
    }

    private static func insert(_ segment: JobLedger.Segment, job: String, run: Int64, in transaction: PostgresTransaction) throws(StateError) {
        let totals = segment.totals
        var bounds: (first: Int, last: Int)?
        segment.rows.forEach { first, last in
            bounds = (min(bounds?.first ?? first, first), max(bounds?.last ?? last, last))
        }
        try transaction.execute(
            """
            INSERT INTO segments (job, run, end_offset, rows, first_row, last_row, items, succeeded, failed, cache_hits,
                counted_items, prompt_tokens, completion_tokens, cached_prompt_tokens, cache_write_tokens, reasoning_tokens,
                saved_prompt_tokens, saved_completion_tokens, cost_picodollars, saved_picodollars,
                prompt_cache_saved_picodollars, models, tiers)
            VALUES (\(job), \(run), \(Int64(segment.endOffset)), \(ByteBuffer(bytes: segment.rows.encoded)), \(bounds?.first),
                \(bounds?.last), \(totals.items), \(totals.succeeded), \(totals.failed), \(totals.cacheHits), \(totals.countedItems),
                \(totals.usage.promptTokens), \(totals.usage.completionTokens), \(totals.usage.cachedPromptTokens),
                \(totals.usage.cacheWriteTokens), \(totals.usage.reasoningTokens), \(totals.savedUsage.promptTokens),
                \(totals.savedUsage.completionTokens), \(totals.cost?.picodollars), \(totals.saved?.picodollars),
                \(totals.promptCacheSaved?.picodollars), \(totals.modelsJSON), \(totals.tiersJSON))
            """, action: "committing records of job '\(job)'")
    }

    /// Does nothing: a shared job's spend lives in its row and its runs' rows, written by
    /// `PostgresSpend` as each reservation is taken, settled, released or held, so no
    /// worker's open reservations are ever only in its memory.
    public func recordSpend(run: Int64, open: Money, held: Money) throws(StateError) {}

    /// This machine's name, for `status`.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

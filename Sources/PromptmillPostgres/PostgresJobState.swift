import Foundation
import NIOConcurrencyHelpers
import PostgresNIO
import PromptmillCore

/// A job whose state lives in PostgreSQL (`state: postgres://...`), shared by every worker
/// that runs it: its ledger (`PostgresJobStore`), its row claims (`PostgresRowClaims`), its
/// spend (`PostgresSpend`), the answers (`PostgresAnswerStore`) and the account's rate
/// buckets.
///
/// A worker's run holds a lease on the database's clock (`runs.lease_until`, so machine
/// clocks never matter): `start` gives it one, `join` renews it every quarter of `lease`
/// until `leave` ends it. A worker that dies stops renewing; once its lease has passed, its
/// chunks are claimed by others and it no longer counts as running.
public final class PostgresJobState: SharedJobState {
    public let database: PostgresDatabase
    public let jobName: String
    /// How long a lease lasts without renewal: how soon a dead worker's rows are claimed again.
    public let lease: Duration
    private let jobStore: PostgresJobStore
    private let answerStore: PostgresAnswerStore
    /// The running heartbeats, by run.
    private let heartbeats = NIOLockedValueBox<[Int64: Task<Void, Never>]>([:])

    /// The advisory lock's first key for collecting a job's output: "pmco".
    static let collectLockKey: Int32 = 0x706d_636f

    /// Connects to `url` (`postgres://user:password@host:port/dbname?sslmode=…&schema=…`;
    /// `schema`, when given, overrides the URL's), brings the schema up to date, and serves
    /// job `jobName`. Throws `StateError.postgres` when the URL cannot be read, or the server
    /// cannot be reached or refuses.
    public static func open(url: String, jobName: String, lease: Duration = .seconds(20), schema: String? = nil) throws(StateError)
        -> PostgresJobState
    {
        // Each request takes a few statements (its rate reservation, its spend, its answer):
        // four connections keep a worker's requests in flight from queueing behind each other.
        try PostgresJobState(database: try PostgresDatabase(url: url, schema: schema, asyncConnections: 4), jobName: jobName, lease: lease)
    }

    /// Serves `jobName` in `database`, bringing its schema up to date first.
    public init(database: PostgresDatabase, jobName: String, lease: Duration = .seconds(20)) throws(StateError) {
        self.database = database
        self.jobName = jobName
        self.lease = lease
        // Migrates the schema: the answers' table and the jobs' tables.
        answerStore = try PostgresAnswerStore(database: database)
        jobStore = PostgresJobStore(database: database, jobName: jobName, lease: lease)
    }

    deinit {
        for task in heartbeats.withLockedValue({ $0.values }) { task.cancel() }
    }

    /// The database's URL with its password replaced by `REDACTED`.
    public var location: String { database.url.description }
    public var store: any JobStore { jobStore }
    public var answers: any AnswerStore { answerStore }

    /// The account's buckets for `model` at `baseURL` in the database
    /// (`PostgresRateBuckets`, seeded with `limits`), paced on `clock` by a
    /// `SharedRateLimiter`. A database that cannot be reached now fails the first
    /// reservations instead (`DeferredRateBuckets`), never this call.
    public func throttle(model: String, baseURL: String, limits: PipelineConfiguration.Limits, clock: any Clock<Duration>) -> any SendThrottle {
        let database = database
        let store = DeferredRateBuckets { () throws(StateError) in
            try PostgresRateBuckets(
                database: database, model: model, baseURL: baseURL, requestsPerMinute: limits.requestsPerMinute,
                tokensPerMinute: limits.tokensPerMinute)
        }
        return Self.limiter(store, clock: clock)
    }

    private static func limiter<C: Clock>(_ store: some RateBucketStore, clock: C) -> any SendThrottle where C.Duration == Duration {
        SharedRateLimiter(store: store, clock: clock)
    }

    public func spend(run: Int64) -> any SharedSpend {
        PostgresSpend(database: database, jobName: jobName, run: run)
    }

    /// Registers `run` as a worker (host, pid, a lease of `lease` from now), makes the
    /// job's chunks for `rows` input rows unless a worker did, and renews the lease every
    /// quarter of `lease` until `leave(run:)`.
    public func join(run: Int64, rows: Int) async throws(StateError) -> any RowClaims {
        let job = jobName
        let milliseconds = PostgresDatabase.milliseconds(lease)
        try await database.execute(
            """
            UPDATE runs SET host = \(PostgresJobStore.hostName()), pid = \(Int64(getpid())),
                lease_until = clock_timestamp() + \(milliseconds) * interval '1 millisecond'
            WHERE id = \(run)
            """, action: "joining job '\(job)'")
        try await PostgresRowClaims.makeChunks(database: database, job: job, rows: rows)
        let every = lease / 4
        let heartbeat = Task { [database] in
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: every)
                } catch {
                    return
                }
                // A failed renewal is tried at the next beat; the lease outlives three.
                _ = try? await database.execute(
                    "UPDATE runs SET lease_until = clock_timestamp() + \(milliseconds) * interval '1 millisecond' WHERE id = \(run)",
                    action: "renewing the lease of run \(run)")
            }
        }
        heartbeats.withLockedValue { $0.updateValue(heartbeat, forKey: run) }?.cancel()
        return PostgresRowClaims(database: database, jobName: job, run: run)
    }

    /// Stops renewing `run`'s lease and ends it now; the chunks it holds and has not done
    /// are let go. Errors are ignored: a lease not ended runs out by itself.
    public func leave(run: Int64) async {
        if let heartbeat = stopHeartbeat(run: run) { await heartbeat.value }
        _ = try? await database.execute(
            """
            WITH ended AS (
                UPDATE runs SET lease_until = clock_timestamp() WHERE id = \(run)
            )
            UPDATE chunks SET holder = NULL WHERE job = \(jobName) AND holder = \(run) AND NOT done
            """, action: "leaving job '\(jobName)'")
    }

    /// Stops renewing `run`'s lease without ending it, as a worker that dies does; returns
    /// the heartbeat, cancelled.
    @discardableResult
    func stopHeartbeat(run: Int64) -> Task<Void, Never>? {
        let heartbeat = heartbeats.withLockedValue { $0.removeValue(forKey: run) }
        heartbeat?.cancel()
        return heartbeat
    }

    /// Chunks exist (a worker joined) and every one is done.
    public func jobDone() async throws(StateError) -> Bool {
        let action = "looking whether job '\(jobName)' is done"
        let rows = try await database.query(
            """
            SELECT chunked_rows IS NOT NULL AND NOT EXISTS (SELECT 1 FROM chunks WHERE job = \(jobName) AND NOT done)
            FROM jobs WHERE name = \(jobName)
            """, action: action)
        guard let row = rows.first else { return false }
        return try database.decoding(action) { try row.decode(Bool.self) }
    }
}

import Foundation

/// A job whose state several workers share (`state: postgres://...`): the one place where its
/// rows, its answers, its rate budget and its spend live. One machine's job keeps them in
/// SQLite files under the state directory and needs none of this; `JobRunner` takes a
/// `SharedJobState` instead of opening those files.
///
/// Each `promptmill run` of the job is a worker: `start` (through `store`) makes it a run
/// with a lease the state keeps alive while the worker lives; the worker claims chunks of
/// input rows (`claims`), writes its records into a part file of its own
/// (`OutputPart.path(output:run:)`), paces its requests with the account's shared buckets (`throttle`)
/// and keeps its spend under the job's one cap (`spend`). A worker that dies loses its lease
/// and its chunks are claimed again; its committed records stay in its part. The job's
/// output is written from the parts by `collect` (`PartCollector`).
public protocol SharedJobState: Sendable {
    /// Where the state lives, for messages: the database's URL without its password.
    var location: String { get }
    /// The job's ledger: every worker's segments (each in its run's part), runs and input
    /// scan. `progress().done` holds every worker's recorded rows.
    var store: any JobStore { get }
    /// Answers by their request's key, shared by every worker and job on the database.
    var answers: any AnswerStore { get }
    /// The account's requests-per-minute and tokens-per-minute buckets for `model` at the
    /// API's base URL, shared by every worker, seeded with `limits` (nil: learned from the
    /// answers' headers).
    func throttle(model: String, baseURL: String, limits: PipelineConfiguration.Limits, clock: any Clock<Duration>) -> any SendThrottle
    /// The job's spend, shared by every worker: `run`'s reservations are its own.
    func spend(run: Int64) -> any SharedSpend
    /// Makes `run` a worker of the job with `rows` input rows (chunks are made by the first
    /// worker), keeps its lease alive until `leave(run:)`, and returns its row claims.
    func join(run: Int64, rows: Int) async throws(StateError) -> any RowClaims
    /// Ends `run`'s lease: its unfinished chunks may be claimed at once by others.
    func leave(run: Int64) async
    /// Every chunk of the job's rows is done: each of its rows has a record.
    func jobDone() async throws(StateError) -> Bool
    /// The committed bytes of every worker's part file, in run order.
    func parts() throws(StateError) -> [OutputPart]
    /// Takes the right to write the job's output now; false when another worker holds it.
    /// The right ends with the process (or `endCollect`).
    func beginCollect() async throws(StateError) -> Bool
    func endCollect() async
    /// The job's workers, their rows and leases, for `status`.
    func workers() throws(StateError) -> [WorkerStatus]
}

/// One worker's part file, as far as its committed records go.
public struct OutputPart: Sendable, Equatable {
    public var run: Int64
    public var path: String
    /// The end of the part's last committed member: the bytes after it are not the job's.
    public var committedEnd: UInt64
    /// The rows whose records the committed bytes hold.
    public var rows: RowRanges

    /// Where `run` writes its records: `OUTPUT.parts/part-RUN.jsonl.gz` beside the job's
    /// output (the output's folder is the one all workers share).
    public static func path(output: String, run: Int64) -> String {
        output + ".parts/part-\(run).jsonl.gz"
    }

    public init(run: Int64, path: String, committedEnd: UInt64, rows: RowRanges) {
        self.run = run
        self.path = path
        self.committedEnd = committedEnd
        self.rows = rows
    }
}

/// A worker of a shared job, as `status` shows it.
public struct WorkerStatus: Sendable, Equatable {
    public var run: Int64
    public var host: String
    public var pid: Int
    /// Rows it has recorded.
    public var rows: Int
    /// Chunks it holds now.
    public var chunks: Int
    /// Seconds its lease has left (negative: expired, the worker is gone).
    public var leaseSeconds: Double
    public var outcome: String?

    public init(run: Int64, host: String, pid: Int, rows: Int, chunks: Int, leaseSeconds: Double, outcome: String?) {
        self.run = run
        self.host = host
        self.pid = pid
        self.rows = rows
        self.chunks = chunks
        self.leaseSeconds = leaseSeconds
        self.outcome = outcome
    }
}

/// A worker's claims on the job's input rows, a chunk at a time, with `FOR UPDATE SKIP
/// LOCKED` under the worker's lease: no chunk is handed to two live workers.
public protocol RowClaims: Sendable {
    /// Claims the next chunk no live worker holds and not yet done, lowest first; nil when
    /// none is left to claim now (`waitForWork` tells whether one may come back).
    func claim() async throws(StateError) -> RowClaim?
    /// Marks the worker's claimed chunks whose rows all have committed records as done.
    func settleDone() async throws(StateError)
    /// Chunks are held by other live workers: one of them may die and free its chunks.
    func othersHoldChunks() async throws(StateError) -> Bool
}

/// A chunk of input rows claimed by one worker.
public struct RowClaim: Sendable, Equatable {
    /// Row numbers (1-based), half-open.
    public var rows: Range<Int>
    /// Rows of the chunk that already have a record (another worker's, before it died).
    public var recorded: RowSet

    public init(rows: Range<Int>, recorded: RowSet) {
        self.rows = rows
        self.recorded = recorded
    }
}

/// A job's spend where several workers share its cap: every reservation is checked against
/// what all of them spent and hold open, in one statement, so the cap holds across workers,
/// in flight and across kills (a dead worker's open reservations stay counted as spent).
public protocol SharedSpend: Sendable {
    /// Reserves `amount` when the job's spend, every live worker's open reservations and
    /// `amount` fit under `cap`.
    func reserve(_ amount: Money, cap: Money) async throws(StateError) -> SharedReservation
    /// The reservation becomes the request's real cost.
    func settle(reserved: Money, cost: Money) async throws(StateError)
    /// The request was not billed: the reservation is given back.
    func release(_ amount: Money) async throws(StateError)
    /// The request's fate is unknown: the reservation stays as spent.
    func hold(_ amount: Money) async throws(StateError)
    /// What the job has spent or may have been billed, every worker's, dead ones' open
    /// reservations included.
    func spent() async throws(StateError) -> Money
}

public enum SharedReservation: Sendable, Equatable {
    case reserved
    /// It does not fit; `othersOpen`: other live workers hold open reservations, which may
    /// leave room when they settle.
    case full(othersOpen: Bool)
}

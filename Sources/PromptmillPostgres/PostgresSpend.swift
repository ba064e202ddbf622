import NIOConcurrencyHelpers
import PostgresNIO
import PromptmillCore

/// One worker run's share of a job's spend, kept in the job's row (`jobs.spent_picodollars`,
/// `jobs.reserved_picodollars`) and the run's (`runs.open_picodollars`, `held_picodollars`,
/// `spent_picodollars`), all in picodollars.
///
/// - `reserve` is one statement: the job's row takes the amount only when its spend, every
///   run's open reservations and the amount fit under the cap (PostgreSQL re-checks the
///   condition on the newest row when workers reserve at once, so the cap holds), and the
///   run's open grows with it.
/// - `settle`, `release` and `hold` move an amount out of `reserved` (and the run's open):
///   into `spent` at the real cost, back to nothing, or into `spent` and the run's `held`.
/// - A run that dies keeps its open reservations in `reserved` for good: its requests in
///   flight may have been billed, so they count as spent across kills.
///
/// Each statement carries the run's sequence number for it and records it in
/// `spend_operations` in the same statement: sent again (the database repeats a statement
/// whose connection dropped, and a failed call is tried again with the sequence number it
/// had), it is applied once.
public final class PostgresSpend: SharedSpend {
    public let database: PostgresDatabase
    public let jobName: String
    public let run: Int64
    private let operations = NIOLockedValueBox(Operations())

    /// Sequence numbers: the next one, and those of calls that failed, by what they did, for
    /// the same call tried again (any failed call of the same kind and amounts will do: they
    /// are interchangeable).
    private struct Operations {
        var next: Int64 = 1
        var failed: [Key: [Int64]] = [:]
    }

    private struct Key: Hashable {
        var kind: Int
        var first: Int64
        var second: Int64
    }

    public init(database: PostgresDatabase, jobName: String, run: Int64) {
        self.database = database
        self.jobName = jobName
        self.run = run
    }

    public func reserve(_ amount: Money, cap: Money) async throws(StateError) -> SharedReservation {
        let job = jobName
        let action = "reserving spend of job '\(job)'"
        let rows = try await operation(Key(kind: 0, first: amount.picodollars, second: cap.picodollars)) { seq async throws(StateError) in
            try await database.query(
                """
                WITH prior AS (
                    SELECT 1 FROM spend_operations WHERE run = \(run) AND seq = \(seq)
                ), job AS (
                    UPDATE jobs SET reserved_picodollars = reserved_picodollars + \(amount.picodollars)
                    WHERE name = \(job) AND NOT EXISTS (SELECT 1 FROM prior)
                        AND spent_picodollars + reserved_picodollars + \(amount.picodollars) <= \(cap.picodollars)
                    RETURNING 1
                ), run AS (
                    UPDATE runs SET open_picodollars = open_picodollars + \(amount.picodollars)
                    WHERE id = \(run) AND EXISTS (SELECT 1 FROM job)
                ), recorded AS (
                    INSERT INTO spend_operations (run, seq) SELECT \(run), \(seq) WHERE EXISTS (SELECT 1 FROM job)
                )
                SELECT EXISTS (SELECT 1 FROM prior) OR EXISTS (SELECT 1 FROM job),
                    EXISTS (
                        SELECT 1 FROM runs WHERE job = \(job) AND id <> \(run) AND open_picodollars > 0
                            AND lease_until > clock_timestamp()
                    )
                """, action: action)
        }
        let (reserved, othersOpen) = try database.decoding(action) { try rows[0].decode((Bool, Bool).self) }
        return reserved ? .reserved : .full(othersOpen: othersOpen)
    }

    public func settle(reserved: Money, cost: Money) async throws(StateError) {
        try await move(Key(kind: 1, first: reserved.picodollars, second: cost.picodollars), reserved: reserved, spent: cost, held: .zero)
    }

    public func release(_ amount: Money) async throws(StateError) {
        try await move(Key(kind: 2, first: amount.picodollars, second: 0), reserved: amount, spent: .zero, held: .zero)
    }

    public func hold(_ amount: Money) async throws(StateError) {
        try await move(Key(kind: 3, first: amount.picodollars, second: 0), reserved: amount, spent: amount, held: amount)
    }

    /// Takes `reserved` out of the job's reservations and the run's open, adds `spent` to the
    /// job's spend, and `held` to the run's held, the rest of `spent` to the run's spent.
    private func move(_ key: Key, reserved: Money, spent: Money, held: Money) async throws(StateError) {
        let job = jobName
        let settled = spent - held
        _ = try await operation(key) { seq async throws(StateError) in
            try await database.execute(
                """
                WITH recorded AS (
                    INSERT INTO spend_operations (run, seq) VALUES (\(run), \(seq)) ON CONFLICT DO NOTHING RETURNING 1
                ), job AS (
                    UPDATE jobs SET reserved_picodollars = reserved_picodollars - \(reserved.picodollars),
                        spent_picodollars = spent_picodollars + \(spent.picodollars)
                    WHERE name = \(job) AND EXISTS (SELECT 1 FROM recorded)
                    RETURNING 1
                )
                UPDATE runs SET open_picodollars = open_picodollars - \(reserved.picodollars),
                    held_picodollars = held_picodollars + \(held.picodollars),
                    spent_picodollars = spent_picodollars + \(settled.picodollars)
                WHERE id = \(run) AND EXISTS (SELECT 1 FROM job)
                """, action: "updating spend of job '\(job)'")
        }
    }

    /// The job's spend and every run's open reservations (dead runs' included), less this
    /// run's own open ones.
    public func spent() async throws(StateError) -> Money {
        let action = "reading spend of job '\(jobName)'"
        let rows = try await database.query(
            """
            SELECT j.spent_picodollars + j.reserved_picodollars
                - coalesce((SELECT open_picodollars FROM runs WHERE id = \(run)), 0)
            FROM jobs j WHERE j.name = \(jobName)
            """, action: action)
        guard let row = rows.first else { return .zero }
        return Money(picodollars: try database.decoding(action) { try row.decode(Int64.self) })
    }

    /// Runs `body` with a sequence number: a failed call's, when one of the same `key` is
    /// waiting to be tried again, else a new one; kept for trying again when `body` throws.
    private func operation<T>(_ key: Key, _ body: (Int64) async throws(StateError) -> T) async throws(StateError) -> T {
        let seq = operations.withLockedValue { operations -> Int64 in
            if let seq = operations.failed[key]?.popLast() { return seq }
            defer { operations.next += 1 }
            return operations.next
        }
        do {
            return try await body(seq)
        } catch {
            operations.withLockedValue { $0.failed[key, default: []].append(seq) }
            throw error
        }
    }
}

import Foundation
import PostgresNIO
import PromptmillCore

/// The rate-limit buckets of one model at one API in PostgreSQL, shared by every worker
/// (and every job) that sends there: a `RateBucketStore` for `SharedRateLimiter`.
///
/// One row of `rate_buckets` per key, the model and the API base URL (never the API key,
/// and without any user or password the URL might carry): the two buckets' configured and
/// learned limits, their levels, what was reserved while no limit was known, the pause,
/// and the time of the last statement. The refill is computed from the database's
/// `clock_timestamp()`, so the workers' clocks never matter.
///
/// Each operation is one statement, atomic under the row's lock: an `UPDATE … RETURNING`
/// that refills the buckets to now, acts, and returns the row (`RateBucketSQL` writes
/// `RateBucketState`'s rules in SQL). Workers reserving at once queue on the row; each
/// reservation takes its place in the buckets' debt, so together they never take more than
/// the buckets hold. A statement sent again after a dropped connection (see
/// `PostgresDatabase`) may be applied twice: a reservation or settlement twice only holds
/// the workers back; a learned limit twice is the same.
///
/// The table is `UNLOGGED`: a statement commits without waiting for the disk, so the row's
/// lock is held for microseconds, not a sync. A database that crashes loses the row; the
/// next statement finds it missing, and the store creates it again, full (the account's
/// own buckets have refilled in the minute a restart takes, or a 429 says otherwise).
///
/// The configured limits seed the row when it is created, and replace the row's when they
/// differ (a run with other limits): a lower capacity takes the difference off the room.
public final class PostgresRateBuckets: RateBucketStore {
    public let database: PostgresDatabase
    /// The model, as the requests name it.
    public let model: String
    /// The API base URL, without a trailing slash, a user or a password.
    public let baseURL: String
    public let requestsPerMinute: Int?
    public let tokensPerMinute: Int?

    /// Uses `database` (migrating it first) and seeds or updates the key's row with the
    /// configured limits.
    public init(
        database: PostgresDatabase, model: String, baseURL: String, requestsPerMinute: Int?, tokensPerMinute: Int?
    ) throws(StateError) {
        self.database = database
        self.model = model
        self.baseURL = Self.key(baseURL)
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        try PostgresMigrator(PostgresSchema.migrations).migrate(database)
        let action = "setting up the rate-limit buckets"
        try database.execute(query(RateBucketSQL.insert, limits), action: action)
        let rows = try database.query(query(RateBucketSQL.configureStatement, limits), action: action)
        guard rows.count == 1 else { throw missingRow(action) }
    }

    public func reserve(tokens: Int) async throws(StateError) -> RateReservation {
        RateReservation(
            try await run(RateBucketSQL.reserveStatement, [Double(max(0, tokens))], action: "reserving in the rate-limit buckets"))
    }

    public func settle(extraTokens: Int) async throws(StateError) -> RateBucketState {
        try await run(RateBucketSQL.settleStatement, [Double(max(0, extraTokens))], action: "settling in the rate-limit buckets")
    }

    public func release(tokens: Int) async throws(StateError) -> RateBucketState {
        try await run(RateBucketSQL.releaseStatement, [Double(max(0, tokens))], action: "releasing in the rate-limit buckets")
    }

    public func pause(for duration: Duration) async throws(StateError) -> RateBucketState {
        try await run(RateBucketSQL.pauseStatement, [Self.microseconds(duration)], action: "pausing the rate-limit buckets")
    }

    public func learn(_ headers: RateLimitHeaders, sentAt: Duration?) async throws(StateError) -> RateBucketState {
        // A remaining count is read only with its limit.
        let values: [Int64?] = [
            headers.limitRequests.map(Int64.init), headers.limitRequests == nil ? nil : headers.remainingRequests.map(Int64.init),
            headers.limitTokens.map(Int64.init), headers.limitTokens == nil ? nil : headers.remainingTokens.map(Int64.init),
            sentAt.map(Self.microseconds),
        ]
        return try await run(RateBucketSQL.learnStatement, values, action: "learning the rate limits")
    }

    public func snapshot() async throws(StateError) -> RateBucketState {
        try await run(RateBucketSQL.snapshot, [Int64?](), action: "reading the rate-limit buckets")
    }

    /// Runs one statement on the key's row; a row gone (an unlogged table after a crash,
    /// or someone deleting it) is created again and the statement run once more.
    private func run<Value: PostgresNonThrowingEncodable>(_ sql: String, _ values: [Value?], action: String) async throws(StateError)
        -> RateBucketState
    {
        var rows = try await database.query(query(sql, values), action: action)
        if rows.isEmpty {
            try await database.execute(query(RateBucketSQL.insert, limits), action: action)
            rows = try await database.query(query(sql, values), action: action)
        }
        guard let row = rows.first else { throw missingRow(action) }
        return try database.decoding(action) { try Self.state(row) }
    }

    private var limits: [Int64?] { [requestsPerMinute.map(Int64.init), tokensPerMinute.map(Int64.init)] }

    private func query<Value: PostgresNonThrowingEncodable>(_ sql: String, _ values: [Value?]) -> PostgresQuery {
        var bindings = PostgresBindings(capacity: 2 + values.count)
        bindings.append(model)
        bindings.append(baseURL)
        for value in values { bindings.append(value) }
        return PostgresQuery(unsafeSQL: sql, binds: bindings)
    }

    private func missingRow(_ action: String) -> StateError {
        .postgres(
            server: database.url.description, action: action, reason: "the row of \(model) at \(baseURL) in rate_buckets is missing",
            advice: "check that nothing else deletes rows of rate_buckets")
    }

    /// A row as `RateBucketSQL.returning` lists it.
    static func state(_ row: PostgresRow) throws -> RateBucketState {
        let (
            requestsConfigured, requestsLearned, requestsLevel, requestsIssued, tokensConfigured, tokensLearned, tokensLevel, tokensIssued, paused, at
        ) =
            try row.decode((Int64?, Int64?, Double, Double, Int64?, Int64?, Double, Double, Int64?, Int64).self)
        let time = Duration.microseconds(at)
        return RateBucketState(
            requests: RateBucket(
                configured: requestsConfigured.map(Int.init), learned: requestsLearned.map(Int.init), level: requestsLevel,
                issued: requestsIssued, at: time),
            tokens: RateBucket(
                configured: tokensConfigured.map(Int.init), learned: tokensLearned.map(Int.init), level: tokensLevel, issued: tokensIssued,
                at: time),
            pausedUntil: paused.map(Duration.microseconds), at: time)
    }

    /// `duration` in whole microseconds, rounded up: a pause is never cut short.
    static func microseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000 + (attoseconds + 999_999_999_999) / 1_000_000_000_000
    }

    /// The URL as a key: no trailing slash, no user or password.
    static func key(_ baseURL: String) -> String {
        var url = baseURL
        if var components = URLComponents(string: baseURL), components.user != nil || components.password != nil {
            components.user = nil
            components.password = nil
            url = components.string ?? baseURL
        }
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}

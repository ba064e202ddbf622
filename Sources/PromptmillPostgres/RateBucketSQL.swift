/// The statements of `PostgresRateBuckets`: `RateBucketState`'s arithmetic written in SQL,
/// one expression per rule, composed here so each rule is written once.
///
/// Every statement is one `UPDATE … RETURNING` (the snapshot one `SELECT`) on the key's row
/// of `rate_buckets`, aliased `b`; the database's clock is read once per statement
/// (`FROM (SELECT clock_timestamp() AS clock) AS c`). The row's new time is the later of
/// that clock and the row's last time: a statement that waited for the row's lock read the
/// clock before the statement ahead of it wrote, and time must not run back. In the `SET`
/// list every `b.` column is the row before the statement (SQL evaluates all of them on
/// the old row); in `RETURNING` it is the row after.
///
/// Parameters: `$1` the model, `$2` the API base URL, then each statement's own.
enum RateBucketSQL {
    /// The two buckets' column prefixes.
    static let buckets = ["requests", "tokens"]

    /// The row's time after the statement.
    static let at = "GREATEST(b.updated_at, c.clock)"
    /// Seconds since the row's last statement (never negative).
    static let elapsed = "GREATEST(0, EXTRACT(EPOCH FROM c.clock - b.updated_at)::float8)"

    /// The capacity before the statement: the lower of the configured and the learned limit
    /// (`LEAST` passes over NULLs); NULL when neither is known.
    static func capacity(_ bucket: String) -> String {
        "LEAST(b.\(bucket)_configured, b.\(bucket)_learned)::float8"
    }

    /// `then` when the bucket has a capacity, else `otherwise`.
    static func withCapacity(_ bucket: String, _ then: String, else otherwise: String) -> String {
        "CASE WHEN b.\(bucket)_configured IS NULL AND b.\(bucket)_learned IS NULL THEN \(otherwise) ELSE \(then) END"
    }

    /// The level refilled to now (`TokenBucket.refill`); only where a capacity is known.
    static func level(_ bucket: String) -> String {
        let capacity = capacity(bucket)
        return "LEAST(\(capacity), b.\(bucket)_level + \(elapsed) * (\(capacity) / 60))"
    }

    /// What was reserved blind, decayed to now (`RateBucket.refill`); only where no
    /// capacity is known.
    static func issued(_ bucket: String) -> String {
        "b.\(bucket)_issued * EXP(-(\(elapsed)) / 60)"
    }

    /// The level refilled, and `difference` given back (negative: taken) up to the
    /// capacity (`TokenBucket.settle`).
    static func settledLevel(_ bucket: String, _ difference: String) -> String {
        withCapacity(bucket, "LEAST(\(capacity(bucket)), \(level(bucket)) + \(difference))", else: "0")
    }

    /// `issued` decayed to now, or none where a capacity is known.
    static func decayedIssued(_ bucket: String) -> String {
        withCapacity(bucket, "0", else: issued(bucket))
    }

    /// The bucket refilled, and `difference` given back (or taken).
    static func settle(_ bucket: String, _ difference: String) -> [String] {
        ["\(bucket)_level = \(settledLevel(bucket, difference))", "\(bucket)_issued = \(decayedIssued(bucket))"]
    }

    /// The bucket refilled, `amount` taken even into debt (`TokenBucket.reserve`), or
    /// counted blind.
    static func reserve(_ bucket: String, _ amount: String) -> [String] {
        [
            "\(bucket)_level = " + withCapacity(bucket, "\(level(bucket)) - \(amount)", else: "0"),
            "\(bucket)_issued = " + withCapacity(bucket, "0", else: "\(issued(bucket)) + \(amount)"),
        ]
    }

    /// The level after the capacity becomes `newCapacity` (not NULL), `since` seconds after
    /// the answer's request was sent (`RateBucket.resize`): a first capacity starts full at
    /// the send less what was reserved blind, refilled since; a lower one takes the
    /// difference off the room; a higher one keeps the room.
    static func resized(_ bucket: String, to newCapacity: String, since: String) -> String {
        let capacity = capacity(bucket)
        return """
            CASE WHEN \(capacity) IS NULL THEN LEAST(\(newCapacity), \(newCapacity) - \(issued(bucket)) + \(since) * (\(newCapacity) / 60)) \
            WHEN \(newCapacity) < \(capacity) THEN LEAST(\(level(bucket)) - (\(capacity) - \(newCapacity)), \(newCapacity)) \
            ELSE \(level(bucket)) END
            """
    }

    /// New configured limits `$3` (requests) and `$4` (tokens) (`RateBucket.configure`).
    static func configure(_ bucket: String, _ parameter: String) -> [String] {
        let newCapacity = "LEAST(\(parameter)::int8, b.\(bucket)_learned)::float8"
        return [
            "\(bucket)_configured = \(parameter)::int8",
            "\(bucket)_level = CASE WHEN \(newCapacity) IS NULL THEN 0 ELSE \(resized(bucket, to: newCapacity, since: "0")) END",
            "\(bucket)_issued = CASE WHEN \(newCapacity) IS NULL THEN \(decayedIssued(bucket)) ELSE 0 END",
        ]
    }

    /// The server's limit `limit` and room `remaining` (NULL: not stated) from an answer to
    /// a request sent `since` seconds ago (`RateBucket.learn`).
    static func learn(_ bucket: String, limit: String, remaining: String, since: String) -> [String] {
        let newCapacity = "LEAST(b.\(bucket)_configured, \(limit)::int8)::float8"
        let resized = resized(bucket, to: newCapacity, since: since)
        // LEAST passes over the NULL of a remaining count not stated.
        let lowered = "LEAST(\(resized), \(remaining)::float8 + \(since) * (\(newCapacity) / 60))"
        return [
            "\(bucket)_learned = COALESCE(\(limit)::int8, b.\(bucket)_learned)",
            "\(bucket)_level = CASE WHEN \(limit)::int8 IS NULL THEN \(settledLevel(bucket, "0")) ELSE \(lowered) END",
            "\(bucket)_issued = CASE WHEN \(limit)::int8 IS NULL THEN \(decayedIssued(bucket)) ELSE 0 END",
        ]
    }

    /// When the request of `$parameter` (microseconds since 1970, NULL: now) was sent,
    /// never after now, in seconds before now.
    static func secondsSince(_ parameter: String) -> String {
        "EXTRACT(EPOCH FROM \(at) - LEAST(\(at), TIMESTAMPTZ 'epoch' + \(parameter)::int8 * INTERVAL '1 microsecond'))::float8"
    }

    /// Holds every send until `$3` microseconds from now, or later if already held so.
    static let pause = "paused_until = GREATEST(COALESCE(b.paused_until, \(at)), \(at) + $3::int8 * INTERVAL '1 microsecond')"

    /// The row after the statement, as `PostgresRateBuckets.state(_:)` reads it.
    static let returning = """
        b.requests_configured, b.requests_learned, b.requests_level, b.requests_issued, \
        b.tokens_configured, b.tokens_learned, b.tokens_level, b.tokens_issued, \
        (EXTRACT(EPOCH FROM b.paused_until) * 1000000)::int8, (EXTRACT(EPOCH FROM b.updated_at) * 1000000)::int8
        """

    /// One statement: `assignments`, and the row's time moved to now.
    static func update(_ assignments: [String]) -> String {
        """
        UPDATE rate_buckets AS b SET \((assignments + ["updated_at = \(at)"]).joined(separator: ", "))
        FROM (SELECT clock_timestamp() AS clock) AS c
        WHERE b.model = $1 AND b.base_url = $2
        RETURNING \(returning)
        """
    }

    /// Reserves one request and `$3` tokens (`RateBucketState.reserve`).
    static let reserveStatement = update(reserve("requests", "1") + reserve("tokens", "$3::float8"))
    /// Takes `$3` tokens used above a reservation (`RateBucketState.settle`).
    static let settleStatement = update(settle("requests", "0") + settle("tokens", "(-$3::float8)"))
    /// Gives back one request and `$3` tokens (`RateBucketState.release`).
    static let releaseStatement = update(settle("requests", "1") + settle("tokens", "$3::float8"))
    /// Holds every send for `$3` microseconds (`RateBucketState.pause`).
    static let pauseStatement = update(settle("requests", "0") + settle("tokens", "0") + [pause])
    /// Configured limits `$3` and `$4` (`RateBucketState.configure`).
    static let configureStatement = update(configure("requests", "$3") + configure("tokens", "$4"))
    /// Limits `$3` and `$5`, remaining counts `$4` and `$6`, and the send time `$7`
    /// (`RateBucketState.learn`).
    static let learnStatement = update(
        learn("requests", limit: "$3", remaining: "$4", since: secondsSince("$7"))
            + learn("tokens", limit: "$5", remaining: "$6", since: secondsSince("$7")))

    /// The row refilled to now, without writing it.
    static let snapshot = """
        SELECT b.requests_configured, b.requests_learned, \(settledLevel("requests", "0")), \(decayedIssued("requests")), \
        b.tokens_configured, b.tokens_learned, \(settledLevel("tokens", "0")), \(decayedIssued("tokens")), \
        (EXTRACT(EPOCH FROM b.paused_until) * 1000000)::int8, (EXTRACT(EPOCH FROM \(at)) * 1000000)::int8
        FROM rate_buckets AS b, (SELECT clock_timestamp() AS clock) AS c
        WHERE b.model = $1 AND b.base_url = $2
        """

    /// A new row of full buckets of the configured limits `$3` and `$4`, unless the key has one.
    static let insert = """
        INSERT INTO rate_buckets (model, base_url, requests_configured, requests_level, tokens_configured, tokens_level, updated_at)
        VALUES ($1, $2, $3::int8, COALESCE($3::int8, 0), $4::int8, COALESCE($4::int8, 0), clock_timestamp())
        ON CONFLICT (model, base_url) DO NOTHING
        """
}

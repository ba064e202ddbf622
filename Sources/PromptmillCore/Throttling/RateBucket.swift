import Foundation

/// One limit of a shared bucket row (requests per minute, or tokens per minute) as a value:
/// what a `RateBucketStore` keeps for it and how each operation changes it. `TokenBucket`
/// does the refill and reservation arithmetic; this adds what a bucket shared by many
/// workers and kept across runs needs: the configured and the learned limit apart, and the
/// reservations made while no capacity was known.
///
/// The capacity is the lower of the configured limit and the server's (`learned`, the last
/// `x-ratelimit-limit-*` seen); with neither, nothing is held and only `issued` is counted.
/// `PostgresRateBuckets` computes the same in SQL; its tests replay each statement on this
/// value and compare.
public struct RateBucket: Sendable, Equatable {
    /// The pipeline's limit per minute (`limits.requests_per_minute` or `tokens_per_minute`).
    public private(set) var configured: Int?
    /// The server's limit per minute, from the last answer that stated it.
    public private(set) var learned: Int?
    /// The refill and the room, while a capacity is known.
    private var bucket: TokenBucket?
    /// Units reserved while no capacity was known, decaying with a time constant of one
    /// minute (a steady stream counts as one minute of it). A limit learned later starts
    /// with them taken. `RateLimiter` counts every reservation since it started; a shared
    /// row outlives runs, so old reservations must fade rather than count forever.
    public private(set) var issued: Double

    /// A bucket read back from a store, as of `at` on the store's clock. `level` is
    /// ignored while no capacity is known.
    public init(configured: Int?, learned: Int?, level: Double, issued: Double, at: Duration) {
        self.configured = configured
        self.learned = learned
        self.issued = issued
        bucket = Self.capacity(configured: configured, learned: learned).map { TokenBucket(capacity: Double($0), level: level, now: at) }
    }

    /// A new bucket of the configured limit, full at `at`.
    public init(perMinute configured: Int?, at: Duration) {
        self.init(configured: configured, learned: nil, level: Double(configured ?? 0), issued: 0, at: at)
    }

    /// The units per minute this bucket lets through: the lower of the configured and the
    /// learned limit; nil when neither is known.
    public var capacity: Int? { bucket.map { Int($0.capacity) } }

    /// The room at the last operation; negative when reservations are queued ahead, nil
    /// when no capacity is known.
    public var level: Double? { bucket?.level }

    /// How long the last reservation waits for this bucket: the debt it left, refilled at
    /// the capacity's rate. Zero while the level is not negative.
    public var debtWait: Duration {
        guard let bucket, bucket.level < 0 else { return .zero }
        return .nanoseconds(Int64((-bucket.level / bucket.ratePerSecond * 1e9).rounded(.up)))
    }

    /// How long the last reservation waits for the room to come back to `allowance` worth
    /// of refill (`debtWait` when `allowance` is zero): sends at the limit then reach the
    /// server up to `allowance` apart from their schedule without exceeding it.
    public func wait(keeping allowance: Duration) -> Duration {
        guard let bucket else { return .zero }
        let short = TokenBucket.seconds(allowance) * bucket.ratePerSecond - bucket.level
        guard short > 0 else { return .zero }
        return .nanoseconds(Int64((short / bucket.ratePerSecond * 1e9).rounded(.up)))
    }

    /// Refills to `now` (a known capacity) or lets `issued` decay (none). A time before the
    /// last operation changes nothing: the store's clock never runs back.
    mutating func refill(from last: Duration, to now: Duration) {
        if bucket != nil {
            bucket?.refill(now: now)
        } else if now > last {
            issued *= exp(-TokenBucket.seconds(now - last) / 60)
        }
    }

    /// Takes `amount`; `debtWait` then says how long it waits.
    mutating func reserve(_ amount: Double, now: Duration) {
        if bucket != nil {
            _ = bucket?.reserve(amount, now: now)
        } else {
            issued += amount
        }
    }

    /// Gives back `difference` (or takes more when it is negative), as `TokenBucket.settle`.
    mutating func settle(_ difference: Double, now: Duration) {
        bucket?.settle(difference, now: now)
    }

    /// Takes a new configured limit: a lower capacity takes the difference off the room, a
    /// higher one keeps the room and refills faster, a first one starts full less `issued`.
    mutating func configure(perMinute limit: Int?, now: Duration) {
        configured = limit
        resize(since: now, now: now)
    }

    /// Learns the server's limit and room from an answer to a request sent at `since`, as
    /// `RateLimiter.observe` does: a first limit starts as a full bucket at `since` less
    /// `issued`, refilled since; `remaining` lowers the room to what the server knew then,
    /// plus what it refilled since.
    mutating func learn(limit: Int, remaining: Int?, since: Duration, now: Duration) {
        learned = limit
        let since = min(since, now)
        resize(since: since, now: now)
        if let remaining, let rate = bucket?.ratePerSecond {
            bucket?.lower(to: Double(remaining) + TokenBucket.seconds(now - since) * rate, now: now)
        }
    }

    private mutating func resize(since: Duration, now: Duration) {
        guard let capacity = Self.capacity(configured: configured, learned: learned) else {
            bucket = nil
            return
        }
        guard var resized = bucket else {
            var fresh = TokenBucket(perMinute: capacity, now: since)
            _ = fresh.reserve(issued, now: since)
            fresh.refill(now: now)
            bucket = fresh
            issued = 0
            return
        }
        resized.shrink(toPerMinute: capacity, now: now)
        resized.grow(toPerMinute: capacity, now: now)
        bucket = resized
    }

    private static func capacity(configured: Int?, learned: Int?) -> Int? {
        switch (configured, learned) {
        case (let configured?, let learned?): min(configured, learned)
        case (let limit?, nil), (nil, let limit?): limit
        case (nil, nil): nil
        }
    }
}

/// A bucket that refills continuously at `capacity` per minute and may go into debt:
/// a reservation always succeeds and says how long its holder must wait, so waiters are
/// served in the order they asked and nobody is woken only to sleep again.
struct TokenBucket: Sendable, Equatable {
    private(set) var capacity: Double
    /// Units available now; negative when reservations are queued ahead.
    private(set) var level: Double
    private var updatedAt: Duration

    /// `now` is the clock's time since an origin the limiter chose.
    init(perMinute capacity: Int, now: Duration) {
        self.capacity = Double(capacity)
        level = Double(capacity)
        updatedAt = now
    }

    /// A bucket read back from a store: `level` of `capacity` per minute as of `now`.
    init(capacity: Double, level: Double, now: Duration) {
        self.capacity = capacity
        self.level = level
        updatedAt = now
    }

    var ratePerSecond: Double { capacity / 60 }

    mutating func refill(now: Duration) {
        let elapsed = Self.seconds(now - updatedAt)
        if elapsed > 0 {
            level = min(capacity, level + elapsed * ratePerSecond)
            updatedAt = now
        }
    }

    /// Takes `amount` and returns how long to wait before it may be used.
    mutating func reserve(_ amount: Double, now: Duration) -> Duration {
        refill(now: now)
        let wait = level >= amount ? 0 : (amount - level) / ratePerSecond
        level -= amount
        return .nanoseconds(Int64((wait * 1e9).rounded(.up)))
    }

    /// How long until `amount` would be available, without taking it.
    mutating func delay(for amount: Double, now: Duration) -> Duration {
        refill(now: now)
        let wait = level >= amount ? 0 : (amount - level) / ratePerSecond
        return .nanoseconds(Int64((wait * 1e9).rounded(.up)))
    }

    /// Gives back what a reservation did not use (or takes more when it used more).
    mutating func settle(_ difference: Double, now: Duration) {
        refill(now: now)
        level = min(capacity, level + difference)
    }

    /// The server's limit is lower than the one configured: refill at its rate from now on,
    /// and keep what was taken taken (the room falls by the difference in capacity).
    mutating func shrink(toPerMinute limit: Int, now: Duration) {
        refill(now: now)
        guard Double(limit) < capacity else { return }
        level = min(level - (capacity - Double(limit)), Double(limit))
        capacity = Double(limit)
    }

    /// The limit rose (the server's, or the configured one): refill at the new rate from
    /// now on; the room stays what it is.
    mutating func grow(toPerMinute limit: Int, now: Duration) {
        refill(now: now)
        if Double(limit) > capacity { capacity = Double(limit) }
    }

    /// The server knows less room than we think: believe it.
    mutating func lower(to remaining: Double, now: Duration) {
        refill(now: now)
        if remaining < level { level = remaining }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

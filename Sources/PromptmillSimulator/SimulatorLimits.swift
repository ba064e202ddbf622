import Foundation

/// The simulator's own requests-per-minute and tokens-per-minute buckets, refilled
/// continuously and starting full, as OpenAI's limits behave.
struct SimulatorLimits: Sendable {
    struct Bucket: Sendable {
        let limit: Double
        var level: Double

        init(limit: Int) {
            self.limit = Double(limit)
            level = Double(limit)
        }

        var perSecond: Double { limit / 60 }

        mutating func refill(seconds: Double) {
            level = min(limit, level + seconds * perSecond)
        }

        /// Seconds until `amount` fits.
        func wait(for amount: Double) -> Double {
            level >= amount ? 0 : (amount - level) / perSecond
        }

        /// Seconds until the bucket is full again.
        var reset: Double { (limit - level) / perSecond }
    }

    var requests: Bucket?
    var tokens: Bucket?
    private var updated: ContinuousClock.Instant

    init(requestsPerMinute: Int?, tokensPerMinute: Int?, now: ContinuousClock.Instant) {
        requests = requestsPerMinute.map(Bucket.init(limit:))
        tokens = tokensPerMinute.map(Bucket.init(limit:))
        updated = now
    }

    enum Verdict {
        case allowed
        /// Which limit (`requests` or `tokens`), how long to wait, and the figures for the message.
        case limited(kind: String, wait: Double, limit: Int, used: Int, requested: Int)
    }

    /// Takes one request and `cost` tokens when both fit.
    mutating func admit(cost: Int, now: ContinuousClock.Instant) -> Verdict {
        let elapsed = now - updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        requests?.refill(seconds: seconds)
        tokens?.refill(seconds: seconds)
        updated = now
        if let bucket = requests, bucket.level < 1 {
            return .limited(
                kind: "requests", wait: bucket.wait(for: 1), limit: Int(bucket.limit),
                used: Int((bucket.limit - bucket.level).rounded(.up)), requested: 1)
        }
        if let bucket = tokens, bucket.level < Double(cost) {
            return .limited(
                kind: "tokens", wait: bucket.wait(for: Double(cost)), limit: Int(bucket.limit),
                used: Int((bucket.limit - bucket.level).rounded(.up)), requested: cost)
        }
        requests?.level -= 1
        tokens?.level -= Double(cost)
        return .allowed
    }

    /// The six `x-ratelimit-*` headers for the limits that are set.
    var headers: [(String, String)] {
        var headers: [(String, String)] = []
        if let bucket = requests {
            headers.append(("x-ratelimit-limit-requests", String(Int(bucket.limit))))
            headers.append(("x-ratelimit-remaining-requests", String(max(0, Int(bucket.level)))))
            headers.append(("x-ratelimit-reset-requests", Self.format(bucket.reset)))
        }
        if let bucket = tokens {
            headers.append(("x-ratelimit-limit-tokens", String(Int(bucket.limit))))
            headers.append(("x-ratelimit-remaining-tokens", String(max(0, Int(bucket.level)))))
            headers.append(("x-ratelimit-reset-tokens", Self.format(bucket.reset)))
        }
        return headers
    }

    /// OpenAI's notation: `120ms`, `1s`, `17.5s`, `6m0s`, `1h2m3s`.
    static func format(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded(.up)))ms" }
        if seconds < 60 {
            let tenths = (seconds * 10).rounded(.up) / 10
            return tenths == tenths.rounded() ? "\(Int(tenths))s" : String(format: "%.1fs", tenths)
        }
        let total = Int(seconds.rounded(.up))
        let (hours, minutes, secs) = (total / 3600, (total % 3600) / 60, total % 60)
        return hours > 0 ? "\(hours)h\(minutes)m\(secs)s" : "\(minutes)m\(secs)s"
    }
}

/// How many requests a step keeps in flight: Little's law, L = λ × W. The arrival rate λ
/// is what the rate limits allow (requests per minute, or tokens per minute over the
/// average request's token cost, whichever is lower) and W is the measured latency of an
/// answer; with some headroom, that many requests in flight use the whole quota without
/// waiting on answers, and the rate limiter (not the count in flight) paces the sends.
/// While the limits' buckets hold more than that (they start full, as OpenAI's do), the
/// room left may be sent at once as well.
///
/// A pure value: the flow feeds it what it sees and reads `limit`.
struct ConcurrencyTarget: Sendable {
    /// `max_concurrency` when the user set it, else `Limits.defaultConcurrencyCeiling`.
    let ceiling: Int
    /// In flight while the rate limits are unknown (no pipeline limits, no headers):
    /// `max_concurrency` when the user set it, else `withoutLimits`.
    let unknownLimits: Int
    static let withoutLimits = 16
    /// Weight of the newest sample in the moving averages.
    static let smoothing = 0.2
    /// Little's law gives the mean; answers vary, so keep this much more in flight.
    static let headroom = 1.25

    /// Seconds from send to whole answer, smoothed; nil before the first answer.
    private(set) var latency: Double?
    /// Tokens a request reserves, smoothed; nil before the first request.
    private(set) var tokenCost: Double?

    /// `maxConcurrency`: the user's `max_concurrency`, if set.
    init(maxConcurrency: Int?) {
        ceiling = max(1, maxConcurrency ?? PipelineConfiguration.Limits.defaultConcurrencyCeiling)
        unknownLimits = max(1, maxConcurrency ?? Self.withoutLimits)
    }

    mutating func sent(tokenCost cost: Int) {
        tokenCost = tokenCost.map { $0 + Self.smoothing * (Double(cost) - $0) } ?? Double(cost)
    }

    mutating func answered(after duration: Duration) {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        latency = latency.map { $0 + Self.smoothing * (seconds - $0) } ?? seconds
    }

    /// The most requests in flight, given the limits known now and the room left in them.
    func limit(_ throttle: ThrottleSnapshot) -> Int {
        var rates: [Double] = []
        var room: [Double] = []
        if let perMinute = throttle.requestsPerMinute {
            rates.append(Double(perMinute) / 60)
            room.append(Double(throttle.availableRequests ?? 0))
        }
        if let perMinute = throttle.tokensPerMinute, let tokenCost, tokenCost > 0 {
            rates.append(Double(perMinute) / 60 / tokenCost)
            room.append(Double(throttle.availableTokens ?? 0) / tokenCost)
        }
        guard let rate = rates.min(), let latency else { return unknownLimits }
        let needed = (rate * latency * Self.headroom).rounded(.up) + 2 + (room.min() ?? 0)
        return min(ceiling, max(1, Int(min(needed, Double(Int.max / 2)))))
    }
}

/// How many requests a step keeps in flight: Little's law, L = λ × W. The arrival rate λ
/// is what the rate limits allow (requests per minute, or tokens per minute over the
/// average request's token cost, whichever is lower) and W is the measured latency of an
/// answer; with some headroom, that many requests in flight use the whole quota without
/// waiting on answers, and the rate limiter (not the count in flight) paces the sends.
/// While the limits' buckets hold more than that (they start full, as OpenAI's do), the
/// room left may be sent at once as well.
///
/// What the server tolerates bounds it too: answers that say it is overloaded (502, 503,
/// 504, 529, timeouts, dropped connections) halve the requests in flight, at most once per
/// window of answers, and each window answered without one grows them back by a tenth
/// (additive-increase/multiplicative-decrease, as TCP's congestion control, RFC 5681, but
/// growing in proportion so a job at 4,096 in flight recovers in seconds, not minutes).
///
/// A pure value: the flow feeds it what it sees and reads `limit`.
struct ConcurrencyTarget: Sendable {
    /// `Limits.concurrencyCeiling(maxConcurrency:connections:)`: `max_concurrency` when the
    /// user set it, else `Limits.defaultConcurrencyCeiling`; either held to the connections
    /// the open-file limit allows.
    let ceiling: Int
    /// In flight before the first answer (whose headers teach or correct the limits and
    /// whose latency sizes the rest): `max_concurrency` when the user set it, else
    /// `withoutLimits` requests reserving at most `tokensWithoutLimits` tokens. These go
    /// blind: the limits a pipeline states may be another tier's. 64 requests and 20,000
    /// tokens fit the first minute's bucket of every paid OpenAI tier (tier 1: 500 RPM,
    /// 30,000 TPM for the larger models; platform.openai.com/docs/guides/rate-limits), and
    /// a job that waits one latency at 64 rather than 16 loses a quarter of the quota.
    let unknownLimits: Int
    /// Whether `unknownLimits` is the user's `max_concurrency` (then no token cap applies).
    private let userSetLimit: Bool
    static let withoutLimits = 64
    static let tokensWithoutLimits = 20_000.0
    /// Weight of the newest sample in the moving averages.
    static let smoothing = 0.2
    /// Little's law gives the mean; answers vary, so keep this much more in flight.
    static let headroom = 1.25

    /// Seconds from send to whole answer, smoothed; nil before the first answer.
    private(set) var latency: Double?
    /// When the server's rate-limit headers came before any whole answer (a streamed first
    /// answer's head): the requests then in flight plus the room the limits left. Until the
    /// first answer gives a latency, that many may be in flight.
    private(set) var heardRoom: Double?
    /// Tokens a request reserves, smoothed; nil before the first request.
    private(set) var tokenCost: Double?
    /// Requests in flight the server has shown it tolerates; nil while it has shown no sign
    /// of overload (or has grown back past the ceiling).
    private(set) var tolerated: Double?
    /// Answers since `tolerated` last changed: one window is `tolerated` answers.
    private var answersInWindow = 0
    /// Answers since the last halving, and the window it left: until that many have come
    /// back, the requests sent before it are still answering, and say the same.
    private var answersSinceHalving = 0
    private var halvedTo = 0.0
    /// Each window answered without overload grows `tolerated` by this share.
    static let growth = 0.1

    /// `maxConcurrency`: the user's `max_concurrency`, if set. `connections`: the most the
    /// process may hold open (`OpenFileLimit.connections`); the ceiling never passes it.
    init(maxConcurrency: Int?, connections: Int = OpenFileLimit.connections) {
        ceiling = PipelineConfiguration.Limits.concurrencyCeiling(maxConcurrency: maxConcurrency, connections: connections)
        unknownLimits = max(1, maxConcurrency ?? Self.withoutLimits)
        userSetLimit = maxConcurrency != nil
    }

    mutating func sent(tokenCost cost: Int) {
        tokenCost = tokenCost.map { $0 + Self.smoothing * (Double(cost) - $0) } ?? Double(cost)
    }

    /// The server's limits are known, though no whole answer has come yet: `inFlight`
    /// requests are out, and `throttle` holds the room the limits leave.
    mutating func heardLimits(inFlight: Int, _ throttle: ThrottleSnapshot) {
        guard let room = Self.room(throttle, tokenCost: tokenCost) else { return }
        heardRoom = Double(inFlight) + room
    }

    /// What could be sent at once now, in requests: the least the known limits leave; nil
    /// when no limit is known.
    private static func room(_ throttle: ThrottleSnapshot, tokenCost: Double?) -> Double? {
        var room: [Double] = []
        if throttle.requestsPerMinute != nil { room.append(Double(throttle.availableRequests ?? 0)) }
        if throttle.tokensPerMinute != nil, let tokenCost, tokenCost > 0 { room.append(Double(throttle.availableTokens ?? 0) / tokenCost) }
        return room.min()
    }

    mutating func answered(after duration: Duration) {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        latency = latency.map { $0 + Self.smoothing * (seconds - $0) } ?? seconds
        answersSinceHalving += 1
        guard let window = tolerated else { return }
        answersInWindow += 1
        if Double(answersInWindow) >= window {
            let grown = window + max(1, window * Self.growth)
            tolerated = grown >= Double(ceiling) ? nil : grown
            answersInWindow = 0
        }
    }

    /// The server said it is overloaded while `inFlight` requests were out: halve, unless
    /// a window of answers has not come back since the last halving.
    mutating func overloaded(inFlight: Int) {
        if tolerated != nil, Double(answersSinceHalving) < halvedTo { return }
        tolerated = max(1, Double(min(inFlight, ceiling)) / 2)
        halvedTo = tolerated ?? 1
        answersInWindow = 0
        answersSinceHalving = 0
    }

    /// The most requests in flight, given the limits known now and the room left in them.
    func limit(_ throttle: ThrottleSnapshot) -> Int {
        var rates: [Double] = []
        if let perMinute = throttle.requestsPerMinute { rates.append(Double(perMinute) / 60) }
        if let perMinute = throttle.tokensPerMinute, let tokenCost, tokenCost > 0 { rates.append(Double(perMinute) / 60 / tokenCost) }
        let bound = min(Double(ceiling), tolerated ?? .infinity)
        guard let rate = rates.min(), let latency else {
            var blind = Double(unknownLimits)
            if !userSetLimit, let tokenCost, tokenCost > 0 { blind = min(blind, (Self.tokensWithoutLimits / tokenCost).rounded(.down)) }
            if let heardRoom {
                // The server's limits, no latency yet: what they left when they came goes at
                // once (the limiter still holds each send to the buckets).
                return max(1, Int(min(max(blind, heardRoom), bound)))
            }
            return max(1, Int(min(blind, bound)))
        }
        let needed = (rate * latency * Self.headroom).rounded(.up) + 2 + (Self.room(throttle, tokenCost: tokenCost) ?? 0)
        return max(1, Int(min(needed, bound)))
    }
}

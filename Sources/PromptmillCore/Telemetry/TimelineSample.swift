import Foundation

/// One interval of a run's timeline: what happened in it, for the report's charts
/// (`promptmill report`). A run keeps one sample per second; a long job's older samples are
/// merged pairwise (`merged(with:)`) so the timeline stays bounded whatever the job's length.
///
/// Counters are what happened inside the interval; `spentUSD` and the limits are the values
/// at its end. Times are seconds since the Unix epoch (UTC).
public struct TimelineSample: Sendable, Codable, Equatable {
    /// The interval's start, seconds since 1970-01-01T00:00:00Z.
    public var start: Double
    /// The interval's length in seconds (1 for a fresh sample, more once merged).
    public var seconds: Double
    /// Attempts sent (HTTP requests, or batch lines submitted).
    public var requests = 0
    /// Prompts (rows) those attempts carried.
    public var prompts = 0
    /// Prompt and completion tokens of the answers that arrived, as the server counted them.
    public var promptTokens = 0
    public var completionTokens = 0
    /// 429 answers of any kind.
    public var rateLimited = 0
    /// Retries decided, by cause: `rate_limited`, `server_error`, `timeout`, `connection`,
    /// `unusable_answer`, `schema_mismatch`, `other`.
    public var retries: [String: Int] = [:]
    /// Rows that got their record in the interval, by outcome: `answered`, `cached`,
    /// `failed`, and `skipped` (a step's `when` was false).
    public var rows: [String: Int] = [:]
    /// Answers' latencies: counts per bucket of `TimelineSample.latencyBoundsMs`
    /// (`latency[i]` counts latencies ≤ `latencyBoundsMs[i]`, and above the one before; the
    /// last entry counts those above every bound).
    public var latency: [Int] = Array(repeating: 0, count: TimelineSample.latencyBoundsMs.count + 1)
    /// What the job had spent (or may have been billed) at the interval's end, in USD;
    /// nil when the model has no price.
    public var spentUSD: Double?
    /// The limits in force at the interval's end (learned from headers or configured); nil
    /// when there is none.
    public var requestsPerMinuteLimit: Int?
    public var tokensPerMinuteLimit: Int?
    /// The most requests in flight at once during the interval.
    public var inFlight = 0

    public init(start: Double, seconds: Double = 1) {
        self.start = start
        self.seconds = seconds
    }

    /// Upper bounds of the latency buckets, in milliseconds: 10 ms × 2^(k/4) for k in 0...60
    /// (10 ms to 328 s), four buckets a doubling, so a percentile read inside one is within
    /// 19% of the truth. (A doubling series put 700 ms answers' p50 at 600 ms.)
    public static let latencyBoundsMs: [Double] = (0...60).map { (10 * pow(2, Double($0) / 4) * 1000).rounded() / 1000 }

    /// The bucket a latency falls in.
    public static func latencyBucket(milliseconds: Double) -> Int {
        latencyBoundsMs.firstIndex { milliseconds <= $0 } ?? latencyBoundsMs.count
    }

    /// This sample and the one right after it, as one interval: counters added, the later
    /// sample's end values kept, the larger `inFlight`.
    public func merged(with later: TimelineSample) -> TimelineSample {
        var merged = self
        merged.seconds = later.start + later.seconds - start
        merged.requests += later.requests
        merged.prompts += later.prompts
        merged.promptTokens += later.promptTokens
        merged.completionTokens += later.completionTokens
        merged.rateLimited += later.rateLimited
        merged.retries.merge(later.retries, uniquingKeysWith: +)
        merged.rows.merge(later.rows, uniquingKeysWith: +)
        merged.latency = zip(latency, later.latency).map(+)
        merged.spentUSD = later.spentUSD ?? spentUSD
        merged.requestsPerMinuteLimit = later.requestsPerMinuteLimit ?? requestsPerMinuteLimit
        merged.tokensPerMinuteLimit = later.tokensPerMinuteLimit ?? tokensPerMinuteLimit
        merged.inFlight = max(inFlight, later.inFlight)
        return merged
    }
}

/// One of a run's slowest requests, for the report's table (a run keeps its 20 slowest).
public struct SlowRequest: Sendable, Codable, Equatable {
    /// When it was sent, seconds since 1970-01-01T00:00:00Z.
    public var start: Double
    /// From sending to the whole answer, in milliseconds.
    public var latencyMs: Double
    /// The step's name (the pipeline's name for a one-step job).
    public var step: String
    /// The ids of the rows it carried (at most the first 20).
    public var rowIDs: [String]
    /// The answer's HTTP status; nil when none arrived (a timeout, a dropped connection).
    public var status: Int?

    public init(start: Double, latencyMs: Double, step: String, rowIDs: [String], status: Int?) {
        self.start = start
        self.latencyMs = latencyMs
        self.step = step
        self.rowIDs = rowIDs
        self.status = status
    }
}

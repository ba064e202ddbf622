/// Rows per second over the last minute of a run: what the ETA needs. A run's average
/// misleads it: a full token bucket lets the first minute go at twice the limit, a cached
/// rerun's first rows come at disk speed, and a 429 storm slows the middle; the time left
/// is the rows left at the speed of now.
///
/// Fed with the run's rows done at moments of its clock (seconds), at most one point a
/// second is kept, and none older than `window`.
public struct RecentRate: Sendable {
    /// Seconds of history the rate covers.
    public let window: Double
    /// The least history, in seconds, that makes a rate: before it, nil.
    public let least: Double
    private var points: [(seconds: Double, rows: Int)] = []

    public init(window: Double = 60, least: Double = 10) {
        self.window = window
        self.least = least
    }

    /// `rows` done by `seconds` on the run's clock.
    public mutating func add(rows: Int, at seconds: Double) {
        // The newest point is always now; the one before it is at least a second older.
        if points.count >= 2, seconds - points[points.count - 2].seconds < 1 {
            points[points.count - 1] = (seconds, rows)
        } else {
            points.append((seconds, rows))
        }
        while points.count > 2, seconds - points[1].seconds >= window { points.removeFirst() }
    }

    /// Rows per second from the oldest point kept to the newest; nil with less than `least`
    /// seconds between them.
    public var rate: Double? {
        guard let first = points.first, let last = points.last, last.seconds - first.seconds >= least else { return nil }
        return Double(last.rows - first.rows) / (last.seconds - first.seconds)
    }
}

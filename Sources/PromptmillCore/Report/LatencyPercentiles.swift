/// Latency percentiles read from `TimelineSample.latency` bucket counts: the bucket where
/// the wanted share of answers is reached, interpolated linearly between its bounds (the
/// way Prometheus' `histogram_quantile` does). Answers above the last bound count as the
/// last bound: the page says "≥" there rather than invent a value.
public enum LatencyPercentiles {
    /// The `quantile` (0...1) of the latencies counted in `buckets`, in milliseconds; nil
    /// when the buckets count nothing.
    public static func value(_ quantile: Double, of buckets: [Int], bounds: [Double] = TimelineSample.latencyBoundsMs) -> Double? {
        let total = buckets.reduce(0, +)
        guard total > 0 else { return nil }
        let rank = quantile * Double(total)
        var below = 0
        for (index, count) in buckets.enumerated() where count > 0 {
            if Double(below + count) >= rank {
                guard index < bounds.count else { return bounds.last }
                let lower = index == 0 ? 0 : bounds[index - 1]
                let share = (rank - Double(below)) / Double(count)
                return lower + (bounds[index] - lower) * max(0, min(1, share))
            }
            below += count
        }
        return bounds.last
    }
}

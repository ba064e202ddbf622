/// Splits a request's token usage over its rows so the rows add up to the request exactly.
enum UsageSplitter {
    /// Shares of `total` in proportion to `weights`, by largest remainder: the shares sum to
    /// `total` exactly, and a row's share is never off by more than one from its exact part.
    static func split(_ total: Int, weights: [Int]) -> [Int] {
        guard !weights.isEmpty else { return [] }
        let weightSum = weights.reduce(0, +)
        guard weightSum > 0 else {
            // Nothing to go by: as even as whole tokens allow.
            return weights.indices.map { total / weights.count + ($0 < total % weights.count ? 1 : 0) }
        }
        var shares = weights.map { total * $0 / weightSum }
        let remainders = weights.map { (total * $0) % weightSum }
        var left = total - shares.reduce(0, +)
        for index in remainders.indices.sorted(by: { remainders[$0] > remainders[$1] || (remainders[$0] == remainders[$1] && $0 < $1) })
        where left > 0 {
            shares[index] += 1
            left -= 1
        }
        return shares
    }
}

extension String {
    /// The candidate nearest to this string by edit distance, when it is near enough to be a
    /// plausible typo (at most a third of the longer word's length, and at most 3 edits), or
    /// else the one candidate this string abbreviates (`o200k` → `o200k_base`).
    func nearest(in candidates: some Sequence<String>) -> String? {
        let candidates = Array(candidates)
        if let typo = nearestByEdits(in: candidates) { return typo }
        let lowered = lowercased()
        let extended = candidates.filter { $0.lowercased().hasPrefix(lowered) }
        return count >= 3 && extended.count == 1 ? extended[0] : nil
    }

    private func nearestByEdits(in candidates: [String]) -> String? {
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(to: candidate)
            if distance < (best?.distance ?? Int.max) {
                best = (candidate, distance)
            }
        }
        guard let best else { return nil }
        let limit = Swift.min(3, Swift.max(1, Swift.max(count, best.candidate.count) / 3))
        return best.distance <= limit ? best.candidate : nil
    }

    /// Levenshtein distance over characters, with transposition counted as one edit.
    func editDistance(to other: String) -> Int {
        let a = Array(lowercased()), b = Array(other.lowercased())
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = Swift.min(value, previousPrevious[j - 2] + 1)
                }
                current[j] = value
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}

/// tiktoken's byte-pair merge: repeatedly join the adjacent pair whose bytes have the lowest
/// rank (the leftmost on a tie) until no pair is a token.
struct BytePairMerge {
    /// Scratch: where each part starts, and the rank of the part joined with its successor.
    private var starts: [Int] = []
    private var ranks: [Int] = []

    init() {
        starts.reserveCapacity(64)
        ranks.reserveCapacity(64)
    }

    /// Merges `piece` and calls `emit` with each resulting token's byte range.
    @inline(__always)
    mutating func merge(_ piece: UnsafeRawBufferPointer, table: RankTable, emit: (Range<Int>) -> Void) {
        let count = piece.count
        starts.removeAll(keepingCapacity: true)
        ranks.removeAll(keepingCapacity: true)
        for index in 0..<(count - 1) {
            starts.append(index)
            ranks.append(table.rank(of: UnsafeRawBufferPointer(rebasing: piece[index..<(index + 2)])) ?? .max)
        }
        starts.append(count - 1)
        ranks.append(.max)
        starts.append(count)
        ranks.append(.max)

        while true {
            var minimum = Int.max
            var at = -1
            for index in 0..<(ranks.count - 1) where ranks[index] < minimum {
                minimum = ranks[index]
                at = index
            }
            guard at >= 0 else { break }
            if at > 0 { ranks[at - 1] = rank(of: at - 1, piece, table) }
            ranks[at] = rank(of: at, piece, table)
            starts.remove(at: at + 1)
            ranks.remove(at: at + 1)
        }
        for index in 0..<(starts.count - 1) {
            emit(starts[index]..<starts[index + 1])
        }
    }

    /// The rank of part `index` joined with the next one (seen before the next is removed).
    @inline(__always)
    private func rank(of index: Int, _ piece: UnsafeRawBufferPointer, _ table: RankTable) -> Int {
        guard index + 3 < starts.count else { return .max }
        return table.rank(of: UnsafeRawBufferPointer(rebasing: piece[starts[index]..<starts[index + 3]])) ?? .max
    }
}

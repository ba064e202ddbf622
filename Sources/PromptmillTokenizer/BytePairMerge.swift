/// tiktoken's byte-pair merge: repeatedly join the adjacent pair whose bytes have the lowest
/// rank (the leftmost on a tie) until no pair is a token.
struct BytePairMerge: ~Copyable {
    /// Scratch: where each part starts, and the rank of the part joined with its successor.
    private var starts: UnsafeMutablePointer<Int>
    private var ranks: UnsafeMutablePointer<Int>
    private var capacity: Int

    init() {
        capacity = 256
        starts = .allocate(capacity: capacity)
        ranks = .allocate(capacity: capacity)
    }

    deinit {
        starts.deallocate()
        ranks.deallocate()
    }

    /// Merges `piece` (two bytes or more) and calls `emit` with each token's byte range.
    @inline(__always)
    mutating func merge(_ piece: UnsafeRawBufferPointer, table: RankTable, emit: (Range<Int>) -> Void) {
        let count = piece.count
        if count + 1 > capacity {
            starts.deallocate()
            ranks.deallocate()
            capacity = max(capacity * 2, count + 1)
            starts = .allocate(capacity: capacity)
            ranks = .allocate(capacity: capacity)
        }
        let bytes = piece.bindMemory(to: UInt8.self)
        for index in 0..<(count - 1) {
            starts[index] = index
            ranks[index] = table.pairRank(bytes[index], bytes[index + 1])
        }
        starts[count - 1] = count - 1
        ranks[count - 1] = .max
        starts[count] = count
        ranks[count] = .max
        var parts = count + 1

        while true {
            var minimum = Int.max
            var at = -1
            for index in 0..<(parts - 1) where ranks[index] < minimum {
                minimum = ranks[index]
                at = index
            }
            guard at >= 0 else { break }
            if at > 0 { ranks[at - 1] = rank(of: at - 1, parts: parts, piece, table) }
            ranks[at] = rank(of: at, parts: parts, piece, table)
            // Remove part at + 1.
            let moved = parts - (at + 2)
            if moved > 0 {
                (starts + at + 1).update(from: starts + at + 2, count: moved)
                (ranks + at + 1).update(from: ranks + at + 2, count: moved)
            }
            parts -= 1
        }
        for index in 0..<(parts - 1) {
            emit(starts[index]..<starts[index + 1])
        }
    }

    /// The rank of part `index` joined with the next one (seen before the next is removed).
    @inline(__always)
    private func rank(of index: Int, parts: Int, _ piece: UnsafeRawBufferPointer, _ table: RankTable) -> Int {
        guard index + 3 < parts else { return .max }
        return table.rank(of: UnsafeRawBufferPointer(rebasing: piece[starts[index]..<starts[index + 3]])) ?? .max
    }
}

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
    /// `heapAbove`: pieces longer than this go to `mergeLong` (tests lower or raise it to
    /// compare the two).
    mutating func merge(_ piece: UnsafeRawBufferPointer, table: RankTable, heapAbove: Int = longPiece, emit: (Range<Int>) -> Void) {
        let count = piece.count
        if count > heapAbove {
            Self.mergeLong(piece, table: table, emit: emit)
            return
        }
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

    /// Above this many bytes a piece is merged with a heap: the scan for the lowest rank
    /// costs O(n) a merge, O(n²) a piece, and a 5 MB run of one letter (a base64 blob, a
    /// DNA string) would take hours.
    static let longPiece = 256

    /// The same merges in O(n log n): a doubly linked list of parts and a min-heap of
    /// (rank, start) for adjacent pairs, stale entries skipped when popped. Ordering by
    /// start on equal ranks keeps tiktoken's leftmost-first rule, so the tokens are the same.
    static func mergeLong(_ piece: UnsafeRawBufferPointer, table: RankTable, emit: (Range<Int>) -> Void) {
        let count = piece.count
        let bytes = piece.bindMemory(to: UInt8.self)
        // Parts are named by their first byte's offset; `next[count]` is the end.
        var next = [Int](unsafeUninitializedCapacity: count + 1) { buffer, initialized in
            for index in 0...count { buffer[index] = index + 1 }
            initialized = count + 1
        }
        var previous = [Int](unsafeUninitializedCapacity: count + 1) { buffer, initialized in
            for index in 0...count { buffer[index] = index - 1 }
            initialized = count + 1
        }
        // The rank of the pair starting at each part; .max when it is no token.
        var pairRanks = [Int](repeating: .max, count: count + 1)
        var heap: [UInt64] = []
        heap.reserveCapacity(count)
        func key(_ rank: Int, _ start: Int) -> UInt64 { UInt64(rank) << 32 | UInt64(start) }
        func pairRank(at start: Int) -> Int {
            let second = next[start]
            guard second < count else { return .max }
            let end = next[second]
            if end - start == 2 { return table.pairRank(bytes[start], bytes[start + 1]) }
            return table.rank(of: UnsafeRawBufferPointer(rebasing: piece[start..<end])) ?? .max
        }
        func push(_ value: UInt64) {
            heap.append(value)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard heap[child] < heap[parent] else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        }
        func pop() -> UInt64 {
            let top = heap[0]
            let last = heap.removeLast()
            if !heap.isEmpty {
                heap[0] = last
                var parent = 0
                while true {
                    let left = 2 * parent + 1
                    guard left < heap.count else { break }
                    var smallest = left
                    if left + 1 < heap.count, heap[left + 1] < heap[left] { smallest = left + 1 }
                    guard heap[smallest] < heap[parent] else { break }
                    heap.swapAt(smallest, parent)
                    parent = smallest
                }
            }
            return top
        }
        for start in 0..<(count - 1) {
            let rank = table.pairRank(bytes[start], bytes[start + 1])
            pairRanks[start] = rank
            if rank != .max { push(key(rank, start)) }
        }
        while !heap.isEmpty {
            let top = pop()
            let rank = Int(top >> 32)
            let start = Int(top & 0xFFFF_FFFF)
            // Stale: the part was merged away, or its pair changed since.
            guard pairRanks[start] == rank, next[start] <= count else { continue }
            let removed = next[start]
            guard removed < count else { continue }
            next[start] = next[removed]
            if next[removed] <= count { previous[next[removed]] = start }
            pairRanks[removed] = .max
            next[removed] = count + 1
            pairRanks[start] = pairRank(at: start)
            if pairRanks[start] != .max { push(key(pairRanks[start], start)) }
            let before = previous[start]
            if before >= 0 {
                pairRanks[before] = pairRank(at: before)
                if pairRanks[before] != .max { push(key(pairRanks[before], before)) }
            }
        }
        var start = 0
        while start < count {
            emit(start..<next[start])
            start = next[start]
        }
    }
}

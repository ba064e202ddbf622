#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Token bytes → rank, as an open-addressing hash table over one arena of bytes: lookups
/// of byte slices with no allocation, the inner loop of every merge.
///
/// The storage is allocated once and lives as long as the process (a tokenizer is loaded
/// once per encoding and shared), so lookups read through plain pointers with no array
/// bookkeeping.
struct RankTable: @unchecked Sendable {
    /// Every token's bytes, back to back.
    private let arena: UnsafeMutableBufferPointer<UInt8>
    /// Per rank: where its bytes start in the arena (high 48 bits) and how many (low 16).
    private let entries: UnsafeMutableBufferPointer<UInt64>
    /// Slots hold rank + 1 (0 = empty).
    private let slots: UnsafeMutableBufferPointer<UInt32>
    /// The rank of every two-byte token, indexed by its bytes (UInt32.max: none): the
    /// first step of every merge reads it.
    private let pairs: UnsafeMutableBufferPointer<UInt32>
    private let mask: Int
    let count: Int

    init(tokens: [[UInt8]]) {
        let total = tokens.reduce(0) { $0 + $1.count }
        arena = .allocate(capacity: max(1, total))
        entries = .allocate(capacity: max(1, tokens.count))
        var offset = 0
        for (rank, token) in tokens.enumerated() {
            for (index, byte) in token.enumerated() { arena[offset + index] = byte }
            entries[rank] = UInt64(offset) << 16 | UInt64(token.count)
            offset += token.count
        }
        var capacity = 1
        while capacity < tokens.count * 2 { capacity <<= 1 }
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: 0)
        mask = capacity - 1
        count = tokens.count
        pairs = .allocate(capacity: 1 << 16)
        pairs.initialize(repeating: .max)
        for rank in tokens.indices where tokens[rank].count == 2 {
            pairs[Int(tokens[rank][0]) << 8 | Int(tokens[rank][1])] = UInt32(rank)
        }
        for rank in tokens.indices where !tokens[rank].isEmpty {
            let bytes = UnsafeRawBufferPointer(start: arena.baseAddress! + Int(entries[rank] >> 16), count: tokens[rank].count)
            var slot = Int(truncatingIfNeeded: Self.hash(bytes)) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = UInt32(rank + 1)
        }
    }

    /// The rank of exactly these bytes, or nil.
    @inline(__always)
    func rank(of bytes: UnsafeRawBufferPointer) -> Int? {
        var slot = Int(truncatingIfNeeded: Self.hash(bytes)) & mask
        let base = arena.baseAddress!
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            let rank = Int(entry &- 1)
            let packed = entries[rank]
            let length = Int(packed & 0xFFFF)
            if length == bytes.count, memcmp(base + Int(packed >> 16), bytes.baseAddress!, length) == 0 {
                return rank
            }
            slot = (slot &+ 1) & mask
        }
    }

    /// The rank of the two-byte token `first second`, or Int.max.
    @inline(__always)
    func pairRank(_ first: UInt8, _ second: UInt8) -> Int {
        let rank = pairs[Int(first) << 8 | Int(second)]
        return rank == .max ? .max : Int(rank)
    }

    func bytes(of rank: Int) -> [UInt8] {
        let packed = entries[rank]
        return Array(UnsafeBufferPointer(start: arena.baseAddress! + Int(packed >> 16), count: Int(packed & 0xFFFF)))
    }

    /// A fast 64-bit hash of a short byte string: eight bytes at a time, then a finaliser.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let count = bytes.count
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)
        var index = 0
        while index + 8 <= count {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            index += 8
        }
        let rest = count - index
        if rest > 0 {
            var tail: UInt64 = 0
            if rest >= 4 {
                tail =
                    UInt64(bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self))
                    | UInt64(bytes.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)) << 32
            } else {
                tail = UInt64(bytes[index]) | UInt64(bytes[index + rest / 2]) << 8 | UInt64(bytes[count - 1]) << 16
            }
            h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        }
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        return h ^ (h >> 32)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Token bytes → rank, as an open-addressing hash table over one arena of bytes: lookups
/// of byte slices with no allocation, the inner loop of every merge.
struct RankTable: Sendable {
    /// Every token's bytes, back to back.
    private let arena: [UInt8]
    /// Per rank: where its bytes start in the arena, and how many.
    private let offsets: [UInt32]
    private let lengths: [UInt16]
    /// Slots hold rank + 1 (0 = empty).
    private let slots: [UInt32]
    private let mask: Int

    init(tokens: [[UInt8]]) {
        var arena: [UInt8] = []
        arena.reserveCapacity(tokens.reduce(0) { $0 + $1.count })
        var offsets: [UInt32] = []
        var lengths: [UInt16] = []
        for token in tokens {
            offsets.append(UInt32(arena.count))
            lengths.append(UInt16(token.count))
            arena.append(contentsOf: token)
        }
        var capacity = 1
        while capacity < tokens.count * 2 { capacity <<= 1 }
        var slots = [UInt32](repeating: 0, count: capacity)
        let mask = capacity - 1
        arena.withUnsafeBufferPointer { bytes in
            for rank in tokens.indices where !tokens[rank].isEmpty {
                let slice = UnsafeBufferPointer(rebasing: bytes[Int(offsets[rank])..<(Int(offsets[rank]) + Int(lengths[rank]))])
                var slot = Int(truncatingIfNeeded: Self.hash(UnsafeRawBufferPointer(slice))) & mask
                while slots[slot] != 0 { slot = (slot + 1) & mask }
                slots[slot] = UInt32(rank + 1)
            }
        }
        self.arena = arena
        self.offsets = offsets
        self.lengths = lengths
        self.slots = slots
        self.mask = mask
    }

    var count: Int { offsets.count }

    /// The rank of exactly these bytes, or nil.
    @inline(__always)
    func rank(of bytes: UnsafeRawBufferPointer) -> Int? {
        var slot = Int(truncatingIfNeeded: Self.hash(bytes)) & mask
        return slots.withUnsafeBufferPointer { slots in
            arena.withUnsafeBufferPointer { arena in
                while true {
                    let entry = slots[slot]
                    if entry == 0 { return nil }
                    let rank = Int(entry - 1)
                    let length = Int(lengths[rank])
                    if length == bytes.count,
                       memcmp(arena.baseAddress! + Int(offsets[rank]), bytes.baseAddress!, length) == 0 {
                        return rank
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
    }

    func bytes(of rank: Int) -> ArraySlice<UInt8> {
        let start = Int(offsets[rank])
        return arena[start..<(start + Int(lengths[rank]))]
    }

    /// A fast 64-bit hash of a short byte string: eight bytes at a time, then a finaliser.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var index = 0
        while index + 8 <= bytes.count {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            index += 8
        }
        if index < bytes.count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while index < bytes.count {
                tail |= UInt64(bytes[index]) << shift
                shift += 8
                index += 1
            }
            h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        }
        h ^= h >> 29
        h = h &* 0xBF58_476D_1CE4_E5B9
        return h ^ (h >> 32)
    }
}

/// Ids met so far, as 56 bits of each id's 64-bit hash: 65,536 shards picked by the hash's
/// top 16 bits, each a list of 5-byte remainders grown an eighth at a time, so an id takes
/// about 6 bytes (10 million ids: about 60 MB, where a `[UInt64: Int32]` takes 201 MB, and
/// 302 MB while it doubles). A repeat only says "maybe": two ids share a fingerprint with odds
/// of about 1 in 1,400 for ten million ids, so the caller confirms a repeat on the ids themselves.
struct IDFingerprints {
    /// The bits of a hash the fingerprint keeps: the shard's 16 and the remainder's 40.
    static let mask: UInt64 = 0xFFFF_00FF_FFFF_FFFF

    private var shards = [[UInt8]](repeating: [], count: 1 << 16)
    private(set) var count = 0

    /// Adds the hash's fingerprint; false when it was already there.
    @discardableResult
    mutating func insert(_ hash: UInt64) -> Bool {
        let shard = Int(truncatingIfNeeded: hash >> 48)
        let low = UInt32(truncatingIfNeeded: hash)
        let high = UInt8(truncatingIfNeeded: hash >> 32)
        let present = shards[shard].withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                if bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self) == low, bytes[offset + 4] == high { return true }
                offset += 5
            }
            return false
        }
        if present { return false }
        let used = shards[shard].count
        if used + 5 > shards[shard].capacity { shards[shard].reserveCapacity(used + max(40, used / 8)) }
        withUnsafeBytes(of: low.littleEndian) { shards[shard].append(contentsOf: $0) }
        shards[shard].append(high)
        count += 1
        return true
    }
}

import Testing

@testable import PromptmillCore

/// `IDFingerprints` keeps 56 bits of each hash: the top 16 pick a shard, the low 40 are kept.
@Suite struct IDFingerprintsTests {
    @Test func aRepeatedHashIsReportedOnce() {
        var fingerprints = IDFingerprints()
        let first = fingerprints.insert(0x1234_5678_9ABC_DEF0)
        let again = fingerprints.insert(0x1234_5678_9ABC_DEF0)
        #expect(first && !again)
        #expect(fingerprints.count == 1)
    }

    /// Hashes that differ only in the 8 bits the fingerprint drops are the same fingerprint
    /// (the caller confirms on the ids); a difference in a kept bit is a new one.
    @Test func onlyTheMaskedBitsCount() {
        var fingerprints = IDFingerprints()
        let hash: UInt64 = 0xABCD_0012_3456_789A
        let first = fingerprints.insert(hash)
        let droppedBitsOnly = fingerprints.insert(hash ^ 0x0000_FF00_0000_0000)
        #expect(first && !droppedBitsOnly)
        #expect(hash & IDFingerprints.mask == (hash ^ 0x0000_FF00_0000_0000) & IDFingerprints.mask)
        for bit in 0..<64 where (IDFingerprints.mask >> UInt64(bit)) & 1 == 1 {
            let added = fingerprints.insert(hash ^ (1 << UInt64(bit)))
            #expect(added, "bit \(bit)")
        }
        #expect(fingerprints.count == 57)
    }

    /// Many hashes in one shard (the list grows past its first reservation) are all kept.
    @Test func aShardGrowsAndKeepsEveryRemainder() {
        var fingerprints = IDFingerprints()
        let shard: UInt64 = 0x0042 << 48
        let added = (0..<5_000 as Range<UInt64>).filter { fingerprints.insert(shard | $0 &* 0x1_0000_0001) }
        let addedAgain = (0..<5_000 as Range<UInt64>).filter { fingerprints.insert(shard | $0 &* 0x1_0000_0001) }
        #expect(added.count == 5_000 && addedAgain.isEmpty)
        #expect(fingerprints.count == 5_000)
    }
}

import Foundation

/// Names one attempt at a job from its start (or its `--fresh` restart) to its end: 16
/// random bytes. Answers a generation paid for carry it in the cache, so a resumed run can
/// tell them from answers other jobs paid for.
public struct JobGeneration: Sendable, Equatable {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == 16)
        self.bytes = bytes
    }

    public static func random() -> JobGeneration {
        var generator = SystemRandomNumberGenerator()
        return JobGeneration(bytes: (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// True when `stored` (a cache entry's `paid_by`) names this generation's row `row`.
    public func paid(_ stored: UnsafeRawBufferPointer, row: Int) -> Bool {
        guard stored.count == 24 else { return false }
        for index in 0..<16 where stored[index] != bytes[index] { return false }
        var number: UInt64 = 0
        for index in 16..<24 { number = number << 8 | UInt64(stored[index]) }
        return number == UInt64(row)
    }
}

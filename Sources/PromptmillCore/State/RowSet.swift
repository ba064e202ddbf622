/// A set of row numbers (1-based), one bit each: which rows of a job have a record.
/// Two million rows take 250 KB.
public struct RowSet: Sendable, Equatable {
    private var words: [UInt64] = []
    public private(set) var count = 0

    public init() {}

    public func contains(_ row: Int) -> Bool {
        let word = row >> 6
        return word < words.count && words[word] & (1 << UInt64(row & 63)) != 0
    }

    /// Returns false when the row was already in the set.
    @discardableResult
    public mutating func insert(_ row: Int) -> Bool {
        let word = row >> 6
        if word >= words.count { words.append(contentsOf: repeatElement(0, count: max(word + 1 - words.count, words.count))) }
        let bit: UInt64 = 1 << UInt64(row & 63)
        if words[word] & bit != 0 { return false }
        words[word] |= bit
        count += 1
        return true
    }

    /// Adds every row of encoded ranges; returns how many were already present.
    @discardableResult
    public mutating func insert(_ ranges: RowRanges) -> Int {
        var repeated = 0
        ranges.forEach { first, last in
            for row in first...last where !insert(row) { repeated += 1 }
        }
        return repeated
    }
}

/// Row numbers kept as ranges, for the ledger: rows are recorded a batch at a time (and
/// cache hits in input order), so a member of thousands of records takes a few bytes.
/// Encoded as varints: for each range, the zigzag-coded distance from the previous range's
/// end (negative when answers arrived out of order), then its length.
public struct RowRanges: Sendable, Equatable {
    private var ranges: [(first: Int, last: Int)] = []
    public private(set) var count = 0

    public init() {}

    public init(encoded bytes: [UInt8]) throws(StateError) {
        var index = 0
        var previous = 0
        func varint() throws(StateError) -> Int {
            var value = 0
            var shift = 0
            while true {
                guard index < bytes.count, shift < 63 else {
                    throw .readFailed(path: "", what: "ledger", reason: "a row range list is damaged")
                }
                let byte = bytes[index]
                index += 1
                value |= Int(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
        }
        while index < bytes.count {
            let zigzag = try varint()
            let first = previous + ((zigzag >> 1) ^ -(zigzag & 1))
            let length = try varint()
            guard length > 0 else { throw .readFailed(path: "", what: "ledger", reason: "a row range list is damaged") }
            ranges.append((first, first + length - 1))
            count += length
            previous = first + length - 1
        }
    }

    public static func == (lhs: RowRanges, rhs: RowRanges) -> Bool {
        lhs.ranges.elementsEqual(rhs.ranges) { $0.first == $1.first && $0.last == $1.last }
    }

    public var isEmpty: Bool { ranges.isEmpty }

    public mutating func append(_ row: Int) {
        count += 1
        if let last = ranges.last, last.last + 1 == row {
            ranges[ranges.count - 1].last = row
        } else {
            ranges.append((row, row))
        }
    }

    public mutating func removeAll() {
        ranges.removeAll(keepingCapacity: true)
        count = 0
    }

    public func forEach(_ body: (Int, Int) -> Void) {
        for range in ranges { body(range.first, range.last) }
    }

    public var encoded: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ranges.count * 4)
        var previous = 0
        func varint(_ value: Int) {
            var value = value
            while value >= 0x80 {
                bytes.append(UInt8(value & 0x7F) | 0x80)
                value >>= 7
            }
            bytes.append(UInt8(value))
        }
        for range in ranges {
            let distance = range.first - previous
            varint((distance << 1) ^ (distance >> 63))
            varint(range.last - range.first + 1)
            previous = range.last
        }
        return bytes
    }
}

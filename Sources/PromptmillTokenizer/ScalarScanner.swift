/// Reads Unicode scalars' classes straight from UTF-8 bytes (Swift strings are valid UTF-8).
struct ScalarScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    /// `ScalarClass.basicPlane`, borrowed for the scan.
    let table: UnsafeBufferPointer<UInt8>

    var count: Int { bytes.count }

    /// The class bits and UTF-8 length of the scalar starting at byte `index`.
    @inline(__always)
    func scalar(at index: Int) -> (bits: UInt8, length: Int) {
        let lead = bytes[index]
        if lead < 0x80 { return (table[Int(lead)], 1) }
        if lead < 0xE0 {
            let value = (UInt32(lead & 0x1F) << 6) | UInt32(bytes[index + 1] & 0x3F)
            return (table[Int(value)], 2)
        }
        if lead < 0xF0 {
            let value = (UInt32(lead & 0x0F) << 12) | (UInt32(bytes[index + 1] & 0x3F) << 6) | UInt32(bytes[index + 2] & 0x3F)
            return (table[Int(value)], 3)
        }
        let value =
            (UInt32(lead & 0x07) << 18) | (UInt32(bytes[index + 1] & 0x3F) << 12)
            | (UInt32(bytes[index + 2] & 0x3F) << 6) | UInt32(bytes[index + 3] & 0x3F)
        return (ScalarClass.of(value), 4)
    }

    /// The end of the run of scalars, from `index`, whose bits meet `mask`.
    @inline(__always)
    func run(from index: Int, matching mask: UInt8) -> Int {
        var position = index
        while position < bytes.count {
            let (bits, length) = scalar(at: position)
            if bits & mask == 0 { break }
            position += length
        }
        return position
    }

    /// The end of the run of scalars, from `index`, whose bits avoid `mask`.
    @inline(__always)
    func run(from index: Int, avoiding mask: UInt8) -> Int {
        var position = index
        while position < bytes.count {
            let (bits, length) = scalar(at: position)
            if bits & mask != 0 { break }
            position += length
        }
        return position
    }

    /// The start of the scalar that ends at `end` (exclusive).
    @inline(__always)
    func start(ofScalarEndingAt end: Int) -> Int {
        var position = end - 1
        while position > 0, bytes[position] & 0xC0 == 0x80 { position -= 1 }
        return position
    }

    /// The end of `'s`, `'t`, `'re`, `'ve`, `'m`, `'ll` or `'d` at `index` (any letter case,
    /// including ſ, which case-folds to s), or nil.
    @inline(__always)
    func contraction(at index: Int) -> Int? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "'"), index + 1 < bytes.count else { return nil }
        let first = bytes[index + 1] | 0x20
        switch first {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
            if bytes[index + 1] < 0x80 { return index + 2 }
        case UInt8(ascii: "r"), UInt8(ascii: "v"), UInt8(ascii: "l"):
            guard index + 2 < bytes.count else { return nil }
            let second = bytes[index + 2] | 0x20
            if first == UInt8(ascii: "r"), second == UInt8(ascii: "e") { return index + 3 }
            if first == UInt8(ascii: "v"), second == UInt8(ascii: "e") { return index + 3 }
            if first == UInt8(ascii: "l"), second == UInt8(ascii: "l") { return index + 3 }
        default:
            break
        }
        // ſ (U+017F, C5 BF) folds to s.
        if bytes[index + 1] == 0xC5, index + 2 < bytes.count, bytes[index + 2] == 0xBF { return index + 3 }
        return nil
    }

    /// The end of the last `\r`/`\n` in [start, end), or nil.
    @inline(__always)
    func lastNewline(in start: Int, _ end: Int) -> Int? {
        var position = end - 1
        while position >= start {
            if bytes[position] == 0x0A || bytes[position] == 0x0D { return position + 1 }
            position -= 1
        }
        return nil
    }
}

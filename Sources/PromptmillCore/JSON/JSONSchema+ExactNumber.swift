extension JSONSchema {
    /// A JSON number as an exact decimal, `±digits × 10^exponent`, so that numbers compare by
    /// value at any size: `1`, `1.0` and `10e-1` are one number, and `9007199254740993` stays
    /// above `9007199254740992`, which as `Double`s are equal.
    struct ExactNumber: Sendable, Hashable, Comparable {
        /// The significant digits, 0 to 9, with no leading or trailing zero; empty for zero.
        let digits: [UInt8]
        /// The value is `digits × 10^exponent`.
        let exponent: Int
        /// False for zero, `-0` included.
        let isNegative: Bool

        /// Exponents are clamped to this size, so that sums of them cannot overflow; a number
        /// beyond it (`1e9999999999999`) compares as if it were at it.
        private static let exponentLimit = 1 << 40

        /// Parses JSON number text (RFC 8259 section 6); nil for anything else.
        init?(_ text: String) {
            let bytes = Array(text.utf8)
            var index = 0
            func isDigit(_ at: Int) -> Bool { at < bytes.count && bytes[at] >= UInt8(ascii: "0") && bytes[at] <= UInt8(ascii: "9") }
            var negative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") {
                negative = true
                index += 1
            }
            var written: [UInt8] = []
            var exponent = 0
            guard isDigit(index) else { return nil }
            while isDigit(index) {
                written.append(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard isDigit(index) else { return nil }
                while isDigit(index) {
                    written.append(bytes[index] - UInt8(ascii: "0"))
                    exponent -= 1
                    index += 1
                }
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                var exponentNegative = false
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    exponentNegative = bytes[index] == UInt8(ascii: "-")
                    index += 1
                }
                guard isDigit(index) else { return nil }
                var power = 0
                while isDigit(index) {
                    power = Swift.min(power * 10 + Int(bytes[index] - UInt8(ascii: "0")), Self.exponentLimit)
                    index += 1
                }
                exponent += exponentNegative ? -power : power
            }
            guard index == bytes.count else { return nil }
            guard let first = written.firstIndex(where: { $0 != 0 }), let last = written.lastIndex(where: { $0 != 0 }) else {
                self.init(digits: [], exponent: 0, isNegative: false)
                return
            }
            let clamped = Swift.max(-Self.exponentLimit, Swift.min(Self.exponentLimit, exponent + (written.count - 1 - last)))
            self.init(digits: Array(written[first...last]), exponent: clamped, isNegative: negative)
        }

        private init(digits: [UInt8], exponent: Int, isNegative: Bool) {
            self.digits = digits
            self.exponent = exponent
            self.isNegative = isNegative
        }

        /// Whole, as JSON Schema counts integers: `1.0` and `1e3` are.
        var isInteger: Bool { digits.isEmpty || exponent >= 0 }

        /// The value as an `Int` when it is a whole number that fits, else nil.
        var integer: Int? {
            guard isInteger, digits.count + exponent <= 18 else { return nil }
            var value = 0
            for digit in digits { value = value * 10 + Int(digit) }
            for _ in 0..<exponent { value *= 10 }
            return isNegative ? -value : value
        }

        /// One spelling per value, `-12e-3` for -0.012 and `0` for zero: the form equal
        /// numbers share in canonical keys.
        var canonicalText: String {
            guard !digits.isEmpty else { return "0" }
            return (isNegative ? "-" : "") + String(decoding: digits.map { $0 + UInt8(ascii: "0") }, as: UTF8.self) + "e\(exponent)"
        }

        static func < (left: ExactNumber, right: ExactNumber) -> Bool {
            if left.isNegative != right.isNegative { return left.isNegative }
            let order = compareMagnitudes(left, right)
            return left.isNegative ? order > 0 : order < 0
        }

        /// -1, 0 or 1 as `|left|` is below, equal to or above `|right|`.
        private static func compareMagnitudes(_ left: ExactNumber, _ right: ExactNumber) -> Int {
            if left.digits.isEmpty || right.digits.isEmpty {
                return (left.digits.isEmpty ? 0 : 1) - (right.digits.isEmpty ? 0 : 1)
            }
            // The place of the leading digit decides first; then the digits from the left.
            let leftPlace = left.digits.count + left.exponent
            let rightPlace = right.digits.count + right.exponent
            if leftPlace != rightPlace { return leftPlace < rightPlace ? -1 : 1 }
            for (l, r) in zip(left.digits, right.digits) where l != r { return l < r ? -1 : 1 }
            if left.digits.count == right.digits.count { return 0 }
            return left.digits.count < right.digits.count ? -1 : 1
        }

        /// The significand as a `UInt64`, when it has at most 19 digits.
        var significand: UInt64? {
            guard digits.count <= 19 else { return nil }
            return digits.reduce(0) { $0 * 10 + UInt64($1) }
        }

        /// Whether `self ÷ divisor` is a whole number, computed exactly. `divisor` is positive
        /// with a significand of at most 19 digits (the schema compiler sees to both).
        func isMultiple(of divisor: ExactNumber) -> Bool {
            guard !digits.isEmpty else { return true }
            guard let modulus = divisor.significand, modulus > 0 else { return false }
            // self ÷ divisor = (digits ÷ divisor.digits) × 10^shift. With shift < 0 the
            // divisor's digits times a power of ten would have to divide `digits`, which do not
            // end in 0, so no.
            let shift = exponent - divisor.exponent
            guard shift >= 0 else { return false }
            var remainder: UInt64 = 0
            for digit in digits {
                remainder = Self.multiplyAdd(remainder, 10, UInt64(digit), modulo: modulus)
            }
            var power: UInt64 = 1 % modulus
            var base: UInt64 = 10 % modulus
            var exponent = shift
            while exponent > 0 {
                if exponent & 1 == 1 { power = Self.multiplyAdd(power, base, 0, modulo: modulus) }
                base = Self.multiplyAdd(base, base, 0, modulo: modulus)
                exponent >>= 1
            }
            return Self.multiplyAdd(remainder, power, 0, modulo: modulus) == 0
        }

        /// `(a × b + c) mod m` without overflow, for `a`, `b` and `c` below `m` (or `b` = 10).
        private static func multiplyAdd(_ a: UInt64, _ b: UInt64, _ c: UInt64, modulo m: UInt64) -> UInt64 {
            var (high, low) = a.multipliedFullWidth(by: b)
            let (sum, carry) = low.addingReportingOverflow(c)
            low = sum
            if carry { high += 1 }
            return m.dividingFullWidth((high, low)).remainder
        }
    }
}

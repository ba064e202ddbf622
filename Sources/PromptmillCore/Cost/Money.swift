/// An amount of US dollars, counted exactly in whole picodollars (1e-12 USD): fine enough
/// for per-token prices, and sums never drift the way added floats do.
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var picodollars: Int64

    public init(picodollars: Int64) {
        self.picodollars = picodollars
    }

    /// Rounds a dollar amount written as a decimal number (as price tables and pipelines
    /// give them) to the nearest picodollar.
    public init(dollars: Double) {
        picodollars = Int64((dollars * 1e12).rounded())
    }

    /// A price per token from a price per million tokens (how OpenAI and pipelines write
    /// prices): $1.50 per 1M tokens is 1,500,000 picodollars per token.
    public init(dollarsPerMillionTokens price: Double) {
        picodollars = Int64((price * 1e6).rounded())
    }

    public static let zero = Money(picodollars: 0)

    public var dollars: Double { Double(picodollars) / 1e12 }

    public static func + (lhs: Money, rhs: Money) -> Money { Money(picodollars: lhs.picodollars + rhs.picodollars) }
    public static func - (lhs: Money, rhs: Money) -> Money { Money(picodollars: lhs.picodollars - rhs.picodollars) }
    public static func += (lhs: inout Money, rhs: Money) { lhs.picodollars += rhs.picodollars }
    public static func -= (lhs: inout Money, rhs: Money) { lhs.picodollars -= rhs.picodollars }
    public static func * (lhs: Money, rhs: Int) -> Money { Money(picodollars: lhs.picodollars * Int64(rhs)) }
    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.picodollars < rhs.picodollars }

    /// `$12.345678`, to the millionth of a dollar.
    public var description: String {
        let micro = (picodollars + (picodollars >= 0 ? 500_000 : -500_000)) / 1_000_000
        let sign = micro < 0 ? "-" : ""
        let magnitude = abs(micro)
        let fraction = String(magnitude % 1_000_000)
        return "\(sign)$\(magnitude / 1_000_000).\(String(repeating: "0", count: 6 - fraction.count))\(fraction)"
    }

    /// The exact amount in dollars as a JSON number: `0.0000635`, `12`, `-0.5`. Every
    /// picodollar is kept, so records add up to the summary exactly.
    public var decimalText: String {
        let magnitude = picodollars.magnitude
        let fraction = String(magnitude % 1_000_000_000_000)
        var text = "\(picodollars < 0 ? "-" : "")\(magnitude / 1_000_000_000_000)"
        if fraction != "0" {
            var digits = String(repeating: "0", count: 12 - fraction.count) + fraction
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text
    }
}

/// A sum of amounts any of which may be unknown (a model with no price): unknown as soon as
/// one part is.
public func + (lhs: Money?, rhs: Money?) -> Money? {
    guard let lhs, let rhs else { return nil }
    return lhs + rhs
}

public func += (lhs: inout Money?, rhs: Money?) {
    lhs = lhs + rhs
}

extension JSONWriter {
    /// An exact amount of dollars, or null when it is not known.
    public mutating func money(_ value: Money?) {
        guard let value else { return null() }
        if value.picodollars == 0 { raw("0") } else { raw(value.decimalText) }
    }
}

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

    public static let zero = Money(picodollars: 0)

    public var dollars: Double { Double(picodollars) / 1e12 }

    public static func + (lhs: Money, rhs: Money) -> Money { Money(picodollars: lhs.picodollars + rhs.picodollars) }
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
}

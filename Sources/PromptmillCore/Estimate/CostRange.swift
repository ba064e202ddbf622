/// The least and the most a job (or a step) can cost one way.
public struct CostRange: Sendable, Equatable, Encodable {
    public var min: Money
    public var max: Money

    public init(min: Money, max: Money) {
        self.min = min
        self.max = max
    }

    public static let zero = CostRange(min: .zero, max: .zero)

    public static func + (lhs: CostRange, rhs: CostRange) -> CostRange {
        CostRange(min: lhs.min + rhs.min, max: lhs.max + rhs.max)
    }

    /// Both ends times `share`, to the nearest picodollar: the part of a job's rows a way
    /// takes.
    func scaled(by share: Double) -> CostRange {
        CostRange(min: min.scaled(by: share), max: max.scaled(by: share))
    }
}

/// A range with an unknown part is unknown.
func + (lhs: CostRange?, rhs: CostRange?) -> CostRange? {
    guard let lhs, let rhs else { return nil }
    return lhs + rhs
}

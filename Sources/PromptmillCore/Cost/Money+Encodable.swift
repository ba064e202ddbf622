import Foundation

/// Documents (summary, status, estimate) print money as an exact decimal number of USD.
extension Money: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Decimal(string: decimalText) ?? Decimal(picodollars) / Decimal(1_000_000_000_000))
    }
}

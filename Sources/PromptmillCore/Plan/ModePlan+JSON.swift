/// `estimate --json`'s `plan`: `{"mode", "rows_by_mode", "seconds_by_mode", "reason"}`, ways
/// named as the summary names them (`batch`, `flex`, `standard`, `priority`). `rows_by_mode`
/// always has batch, flex and standard (0 for a way not taken); `seconds_by_mode` has null
/// for flex when the model does not offer it. Priority appears only when the plan uses it.
extension ModePlan: Encodable {
    enum CodingKeys: String, CodingKey {
        case mode
        case rowsByMode = "rows_by_mode"
        case secondsByMode = "seconds_by_mode"
        case reason
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(mode.summaryName, forKey: .mode)
        let ways = ServiceTier.allCases.filter { $0 != .priority || rowsByMode[.priority] != nil }
        try container.encode(ByWay(ways: ways) { rowsByMode[$0] ?? 0 }, forKey: .rowsByMode)
        try container.encode(ByWay(ways: ways) { seconds[$0].map(Self.milliseconds) }, forKey: .secondsByMode)
        try container.encode(reason, forKey: .reason)
    }

    /// Seconds to the millisecond.
    static func milliseconds(_ seconds: Double) -> Double {
        (seconds * 1000).rounded() / 1000
    }
}

/// An object with one member a way, named as the summary names the ways.
struct ByWay<Value: Encodable>: Encodable {
    let ways: [ServiceTier]
    let value: (ServiceTier) -> Value

    struct Name: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Name.self)
        for way in ways {
            try container.encode(value(way), forKey: Name(stringValue: way.summaryName))
        }
    }
}

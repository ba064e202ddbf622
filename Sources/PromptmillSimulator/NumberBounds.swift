import PromptmillCore

/// A numeric schema's bounds, read as doubles: `minimum`/`exclusiveMinimum`,
/// `maximum`/`exclusiveMaximum` (the tighter of each pair) and `multipleOf`.
struct NumberBounds {
    var low: Double?
    var lowExclusive = false
    var high: Double?
    var highExclusive = false
    var multipleOf: Double?

    init(_ node: JSONObject) {
        let number = { (key: String) -> Double? in
            if case .number(let text)? = node[key] { return Double(text) }
            return nil
        }
        low = number("minimum")
        if let exclusive = number("exclusiveMinimum"), exclusive >= (low ?? -.infinity) {
            low = exclusive
            lowExclusive = true
        }
        high = number("maximum")
        if let exclusive = number("exclusiveMaximum"), exclusive <= (high ?? .infinity) {
            high = exclusive
            highExclusive = true
        }
        multipleOf = number("multipleOf")
    }
}

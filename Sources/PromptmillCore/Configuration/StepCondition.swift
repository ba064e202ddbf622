/// A step's `when:`: the row goes to the step only when it holds.
///
/// `PATH` (the value is truthy: not missing, null, false, 0, "" or empty), `not PATH`,
/// `PATH == VALUE` and `PATH != VALUE`, where PATH is a field of the row or an earlier
/// step's result (`steps.moderate.output.flagged`) and VALUE is a JSON scalar (a bare word
/// is a string): `when: not steps.moderate.output.flagged`.
public struct StepCondition: Sendable, Equatable, CustomStringConvertible {
    public enum Comparison: String, Sendable {
        case equal = "=="
        case notEqual = "!="
    }

    public let path: String
    public let negated: Bool
    public let comparison: (Comparison, JSONValue)?
    public let description: String

    public static func == (lhs: StepCondition, rhs: StepCondition) -> Bool { lhs.description == rhs.description }

    public init(parsing text: String) throws(ConditionError) {
        description = text
        var rest = Substring(text).trimmingCharacters(in: .whitespaces)[...]
        negated = rest.hasPrefix("not ")
        if negated { rest = rest.dropFirst(4).drop { $0 == " " } }
        var comparison: (Comparison, JSONValue)?
        for candidate in [Comparison.equal, .notEqual] {
            if let range = rest.range(of: " " + candidate.rawValue + " ") {
                let literal = rest[range.upperBound...].trimmingCharacters(in: .whitespaces)
                comparison = (candidate, try Self.literal(literal))
                rest = rest[..<range.lowerBound]
                break
            }
        }
        let path = rest.trimmingCharacters(in: .whitespaces)
        guard !path.isEmpty, path.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) else {
            throw ConditionError(text: text, reason: "expected a field or steps.NAME.output path, optionally with == or != and a value")
        }
        self.path = path
        self.comparison = comparison
    }

    /// The earlier step the condition reads, if any (`steps.NAME...`).
    public var stepReferenced: String? {
        let parts = path.split(separator: ".")
        return parts.count >= 2 && parts[0] == "steps" ? String(parts[1]) : nil
    }

    func holds(in context: JSONObject) -> Bool {
        let value = FieldPath(path).lookUp(in: context)
        let result: Bool
        if let (comparison, literal) = comparison {
            let equal = Self.equal(value ?? .null, literal)
            result = comparison == .equal ? equal : !equal
        } else {
            result = Self.truthy(value)
        }
        return negated ? !result : result
    }

    static func truthy(_ value: JSONValue?) -> Bool {
        switch value {
        case nil, .null?, .bool(false)?: false
        case .string(let text)?: !text.isEmpty
        case .number(let text)?: (Double(text) ?? 0) != 0
        case .array(let items)?: !items.isEmpty
        case .object(let object)?: object.count > 0
        case .bool(true)?: true
        }
    }

    static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        if case .number(let a) = lhs, case .number(let b) = rhs { return Double(a) == Double(b) }
        return lhs == rhs
    }

    private static func literal(_ text: String) throws(ConditionError) -> JSONValue {
        switch text {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null": return .null
        default: break
        }
        if Double(text) != nil { return .number(text) }
        for quote in ["\"", "'"] where text.count >= 2 && text.hasPrefix(quote) && text.hasSuffix(quote) {
            return .string(String(text.dropFirst().dropLast()))
        }
        guard !text.isEmpty, !text.contains(" ") else {
            throw ConditionError(text: text, reason: "a value must be a number, true, false, null, a quoted string or one word")
        }
        return .string(text)
    }
}

public struct ConditionError: Error, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "cannot read the condition '\(text)': \(reason)" }
}

/// The first way a value breaks a schema, worded for an error record.
public struct JSONSchemaViolation: Sendable, Equatable, CustomStringConvertible {
    /// Where in the value, as a JSONPath-like string: `$`, `$.label`, `$.answers[3].score`,
    /// and `$["two words"]` for a key that is not a plain identifier.
    public var path: String
    /// The keyword that failed: "type", "required", "additionalProperties", "enum", "const",
    /// "minimum", "pattern", "anyOf", ...; "false" for a schema that is `false`, and "depth"
    /// for a value nested deeper than `JSONSchema.maximumDepth`.
    public var rule: String
    /// A sentence for an error record, starting with the path and ending with the rule:
    /// `$.label: "maybe" is not one of "positive", "negative", "neutral" (enum)`.
    public var description: String

    public init(path: String, rule: String, description: String) {
        self.path = path
        self.rule = rule
        self.description = description
    }
}

/// A JSON Schema compiled once, checked against many values.
///
/// Built for checking structured-output answers row by row: the subset is the one OpenAI's
/// structured outputs accept, with draft 2020-12 meaning, plus a few general keywords (see
/// `JSONSchema.keywords`). A keyword outside the subset is a compile error rather than skipped,
/// because a schema with a rule promptmill silently ignored would pass answers that break it.
///
/// Numbers are compared exactly as decimals, whatever their size; object key order never
/// matters; a key an object repeats counts once, with its last value, as `JSONParser` reads it.
public struct JSONSchema: Sendable {
    /// The compiled schemas, the root first; subschemas and `$ref`s refer to one another by
    /// index, so a recursive schema is a cycle of indices.
    let nodes: [Node]

    /// A compiled schema. The checks recurse once per level of the value, which may nest 512
    /// deep, so what they follow from level to level (the subschemas) is held here as the
    /// class's own constants, read in place; the rest stays in `keywords`, which only the check
    /// of the value itself reads. Copying `Keywords` (a kilobyte) at each level overflowed a
    /// 512 KB thread stack at 60 levels.
    final class Node: Sendable {
        let keywords: Keywords
        let rejectsEverything: Bool
        let prefixItems: [Int]
        let items: Int?
        let properties: [[UInt8]: Int]
        let additionalProperties: Int?
        let ref: Int?
        let allOf: [Int]
        let anyOf: [Int]
        let oneOf: [Int]
        let not: Int?
        /// Whether any of `ref`, `allOf`, `anyOf`, `oneOf` and `not` is present.
        let checksInPlace: Bool

        init(_ keywords: Keywords) {
            self.keywords = keywords
            rejectsEverything = keywords.rejectsEverything
            prefixItems = keywords.prefixItems
            items = keywords.items
            properties = keywords.properties
            additionalProperties = keywords.additionalProperties
            ref = keywords.ref
            allOf = keywords.allOf
            anyOf = keywords.anyOf
            oneOf = keywords.oneOf
            not = keywords.not
            checksInPlace = !keywords.inPlace.isEmpty
        }
    }

    /// Compiles `schema`; throws naming the path of the first keyword it does not support, or a $ref it cannot resolve.
    public init(_ schema: JSONValue) throws(JSONSchemaError) {
        var compiler = Compiler(root: schema)
        nodes = try compiler.compile()
    }

    /// nil when `value` is valid; else the first violation in document order.
    ///
    /// Document order: a failure of the value itself (its type, `enum`, `required`, ...) comes
    /// before one inside it, and failures inside come in the order their members and items
    /// are written. Among failures at one place, the keyword checked first wins: `type`,
    /// `const`, `enum`, the keywords of the value's kind, then `$ref`, `allOf`, `anyOf`,
    /// `oneOf` and `not`.
    public func firstViolation(of value: JSONValue) -> JSONSchemaViolation? {
        var location: [Step] = []
        return check(value, against: 0, at: &location)?.violation
    }

    /// How deep in the value a check goes: a member or item nested deeper is a violation with
    /// the rule "depth". The checks recurse, and this bounds the stack they take however deep
    /// an answer nests (secondary threads, Swift's task threads among them, get 512 KB on macOS); answers to structured-output
    /// schemas, which OpenAI limits to 10 levels of nesting, come nowhere near it.
    public static let maximumDepth = 64

    /// The keywords a schema may use: checked ones, and annotations that change nothing.
    static let keywords: Set<String> = checkedKeywords.union(annotations)

    static let checkedKeywords: Set<String> = [
        "type", "enum", "const",
        "minLength", "maxLength", "pattern", "format",
        "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
        "items", "prefixItems", "minItems", "maxItems", "uniqueItems",
        "properties", "required", "additionalProperties", "minProperties", "maxProperties",
        "allOf", "anyOf", "oneOf", "not",
        "$ref", "$defs", "definitions",
    ]

    static let annotations: Set<String> = [
        "title", "description", "default", "examples", "$schema", "$id", "$comment",
        "strict", "deprecated", "readOnly", "writeOnly",
    ]
}

extension JSONSchema {
    /// One schema's keywords, compiled: what a value must be to pass it. Absent keywords are
    /// nil or empty.
    struct Keywords: Sendable {
        /// The schema `false`: no value passes.
        var rejectsEverything = false
        var types: Kinds?
        var constant: Literal?
        var choices: [Literal]?
        var choiceKeys: Set<[UInt8]> = []

        var minLength: Int?
        var maxLength: Int?
        var pattern: Pattern?
        var format: Format?

        var minimum: Bound?
        var maximum: Bound?
        var exclusiveMinimum: Bound?
        var exclusiveMaximum: Bound?
        var multipleOf: Bound?

        var minItems: Int?
        var maxItems: Int?
        var uniqueItems = false
        var prefixItems: [Int] = []
        var items: Int?

        /// By the name's UTF-8 bytes: names match code point for code point, not as Swift
        /// strings, which would take `é` and `e` + combining acute for one name.
        var properties: [[UInt8]: Int] = [:]
        var required: [String] = []
        var additionalProperties: Int?
        var minProperties: Int?
        var maxProperties: Int?

        var ref: Int?
        var allOf: [Int] = []
        var anyOf: [Int] = []
        var oneOf: [Int] = []
        var not: Int?

        var checksNumbers: Bool {
            minimum != nil || maximum != nil || exclusiveMinimum != nil || exclusiveMaximum != nil || multipleOf != nil
        }

        /// The subschemas checked against the same value, not a member of it: the edges along
        /// which a `$ref` cycle would never end.
        var inPlace: [Int] {
            [ref, not].compactMap { $0 } + allOf + anyOf + oneOf
        }
    }

    /// A value from `const` or `enum`, with the canonical key it is compared by.
    struct Literal: Sendable {
        var value: JSONValue
        var key: [UInt8]
    }

    /// A number from the schema, exact for comparing and as written for messages.
    struct Bound: Sendable {
        var number: ExactNumber
        var text: String
    }

    /// The kinds of JSON value `type` names.
    struct Kinds: OptionSet, Sendable {
        let rawValue: UInt8

        static let null = Kinds(rawValue: 1 << 0)
        static let boolean = Kinds(rawValue: 1 << 1)
        static let object = Kinds(rawValue: 1 << 2)
        static let array = Kinds(rawValue: 1 << 3)
        static let number = Kinds(rawValue: 1 << 4)
        static let integer = Kinds(rawValue: 1 << 5)
        static let string = Kinds(rawValue: 1 << 6)

        /// In the order messages list them.
        static let named: [(name: String, kind: Kinds, phrase: String)] = [
            ("object", .object, "an object"), ("array", .array, "an array"), ("string", .string, "a string"),
            ("number", .number, "a number"), ("integer", .integer, "an integer"), ("boolean", .boolean, "a boolean"),
            ("null", .null, "null"),
        ]
    }
}

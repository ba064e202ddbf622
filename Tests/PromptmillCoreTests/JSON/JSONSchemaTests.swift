import Foundation
import Testing
import PromptmillCore

@Suite struct JSONSchemaTests {
    static let classification = """
        {"type": "object",
         "properties": {
           "label": {"type": "string", "enum": ["positive", "negative", "neutral"]},
           "confidence": {"type": "number", "minimum": 0, "maximum": 1}},
         "required": ["label", "confidence"],
         "additionalProperties": false}
        """

    // MARK: A classification answer

    /// An answer that fits the classification schema passes, whatever its key order.
    @Test func classificationAnswerPasses() throws {
        let schema = try compile(Self.classification)
        #expect(schema.firstViolation(of: try JSONParser.parse(#"{"label": "neutral", "confidence": 0.5}"#)) == nil)
        #expect(schema.firstViolation(of: try JSONParser.parse(#"{"confidence": 1.0, "label": "positive"}"#)) == nil)
    }

    /// Each way an answer can break the classification schema is named with its path and rule.
    @Test(arguments: [
        (#"{"label": "maybe", "confidence": 0.5}"#, #"$.label: "maybe" is not one of "positive", "negative", "neutral" (enum)"#),
        (#"{"label": "neutral", "confidence": 1.5}"#, "$.confidence: 1.5 is greater than the maximum 1 (maximum)"),
        (#"{"label": "neutral", "confidence": -0.01}"#, "$.confidence: -0.01 is less than the minimum 0 (minimum)"),
        (#"{"label": "neutral", "confidence": "high"}"#, #"$.confidence: "high" is a string, expected a number (type)"#),
        (#"{"label": "neutral"}"#, #"$: the required property "confidence" is missing (required)"#),
        (#"{"label": "neutral", "confidence": 1, "why": "x"}"#, #"$.why: the property "why" is not allowed (additionalProperties)"#),
        (#"["neutral", 0.5]"#, #"$: ["neutral",0.5] is an array, expected an object (type)"#),
    ])
    func classificationAnswerFails(answer: String, description: String) throws {
        let violation = try compile(Self.classification).firstViolation(of: try JSONParser.parse(answer))
        #expect(violation?.description == description)
    }

    // MARK: type

    /// Each type name accepts its kind of value and refuses the others; "integer" takes any
    /// whole number however it is written, and "number" takes integers.
    @Test(arguments: [
        ("string", #""x""#, true), ("string", "1", false),
        ("number", "1.5", true), ("number", "7", true), ("number", #""7""#, false),
        ("integer", "7", true), ("integer", "1.0", true), ("integer", "1e2", true), ("integer", "-0", true),
        ("integer", "1.5", false), ("integer", "1e-2", false), ("integer", "123456789012345678901234567890", true),
        ("boolean", "false", true), ("boolean", "0", false),
        ("object", "{}", true), ("object", "[]", false),
        ("array", "[]", true), ("array", "{}", false),
        ("null", "null", true), ("null", "false", false),
    ])
    func typeNames(name: String, value: String, passes: Bool) throws {
        let violation = try compile(#"{"type": "\#(name)"}"#).firstViolation(of: try JSONParser.parse(value))
        #expect((violation == nil) == passes)
        #expect(violation.map { $0.rule == "type" } ?? true)
    }

    /// A list of type names accepts any of them and says which it expected.
    @Test func typeList() throws {
        let schema = try compile(#"{"type": ["string", "null"]}"#)
        #expect(schema.firstViolation(of: .null) == nil)
        #expect(schema.firstViolation(of: .string("x")) == nil)
        #expect(schema.firstViolation(of: .number("1"))?.description == "$: 1 is a number, expected a string or null (type)")
        let three = try compile(#"{"type": ["integer", "boolean", "array"]}"#)
        #expect(three.firstViolation(of: .number("1.5"))?.description == "$: 1.5 is a number, expected an array, an integer or a boolean (type)")
    }

    // MARK: enum and const

    /// enum compares values as JSON Schema does: numbers by value, objects whatever their key
    /// order, strings code point for code point, and true is not 1.
    @Test(arguments: [
        (#"[1, "a", {"x": 1, "y": [true]}]"#, "1.0", true),
        (#"[1, "a", {"x": 1, "y": [true]}]"#, "10e-1", true),
        (#"[1, "a", {"x": 1, "y": [true]}]"#, #"{"y": [true], "x": 1.0}"#, true),
        (#"[1, "a", {"x": 1, "y": [true]}]"#, #"{"y": [true]}"#, false),
        (#"[1, "a", {"x": 1, "y": [true]}]"#, "true", false),
        (#"["é"]"#, #""é""#, true),
        (#"["é"]"#, #""e\u0301""#, false),
        (#"[[1, 2]]"#, "[2, 1]", false),
        (#"[9007199254740992]"#, "9007199254740993", false),
        (#"[null]"#, "null", true),
    ])
    func enumEquality(choices: String, value: String, passes: Bool) throws {
        let schema = try compile(#"{"enum": \#(choices)}"#)
        #expect((schema.firstViolation(of: try JSONParser.parse(value)) == nil) == passes)
    }

    /// const accepts its one value and names it when refusing another.
    @Test func constant() throws {
        let schema = try compile(#"{"properties": {"kind": {"const": "review"}, "n": {"const": 2}}}"#)
        #expect(schema.firstViolation(of: try JSONParser.parse(#"{"kind": "review", "n": 2.0}"#)) == nil)
        let violation = schema.firstViolation(of: try JSONParser.parse(#"{"kind": "reviews"}"#))
        #expect(
            violation
                == JSONSchemaViolation(
                    path: "$.kind", rule: "const", description: #"$.kind: "reviews" is not "review", the one value allowed (const)"#))
    }

    /// A long enum lists its first ten values, and a long value is cut, in the message.
    @Test func enumMessageIsBounded() throws {
        let choices = (1...12).map { "\"c\($0)\"" }.joined(separator: ", ")
        let violation = try compile(#"{"enum": [\#(choices)]}"#).firstViolation(of: .string(String(repeating: "a", count: 100)))
        let cut = "\"" + String(repeating: "a", count: 57) + "…\""
        #expect(
            violation?.description == #"$: \#(cut) is not one of "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", … (12 in all) (enum)"#)
    }

    // MARK: Strings

    /// minLength and maxLength count Unicode code points, as JSON Schema does: an emoji is
    /// one, an e with a combining accent two.
    @Test(arguments: [
        ("😀😀", true), ("abc", true), ("a", false), ("abcd", false), ("e\u{301}", true), ("👍🏽", true), ("👍🏽👍🏽", false),
    ])
    func lengthCountsCodePoints(text: String, passes: Bool) throws {
        let schema = try compile(#"{"minLength": 2, "maxLength": 3}"#)
        #expect((schema.firstViolation(of: .string(text)) == nil) == passes)
    }

    /// Length messages give the count and the limit.
    @Test func lengthMessages() throws {
        let schema = try compile(#"{"properties": {"t": {"minLength": 2, "maxLength": 3}}}"#)
        #expect(
            schema.firstViolation(of: try JSONParser.parse(#"{"t": "a"}"#))?.description == #"$.t: "a" has 1 character, fewer than 2 (minLength)"#)
        #expect(
            schema.firstViolation(of: try JSONParser.parse(#"{"t": "abcd"}"#))?.description
                == #"$.t: "abcd" has 4 characters, more than 3 (maxLength)"#)
    }

    /// pattern searches anywhere in the string, with ECMA-262's meaning where ICU's differs:
    /// `$` is the very end, `\d` and `\w` are ASCII, `[` in a class is a character.
    @Test(arguments: [
        ("colou?r", "the colour red", true),
        ("^[a-z]+$", "abc", true),
        ("^[a-z]+$", "abc\n", false),
        ("^[a-z]+$", "abC", false),
        (#"^\d+$"#, "123", true),
        (#"^\d+$"#, "١٢٣", false),
        (#"^\w+$"#, "abc_1", true),
        (#"^\w+$"#, "é", false),
        (#"^[\d.]+$"#, "1.5", true),
        (#"^[[a]+$"#, "[a[", true),
        (#"^[^]$"#, "x", true),
        (#"^a[]"#, "a", false),
        (#"\$\d"#, "costs $5", true),
        (#"^.{2}$"#, "a😀", true),
    ])
    func pattern(pattern: String, text: String, matches: Bool) throws {
        var writer = JSONWriter()
        writer.string(pattern)
        let schema = try compile(#"{"pattern": \#(String(decoding: writer.bytes, as: UTF8.self))}"#)
        #expect((schema.firstViolation(of: .string(text)) == nil) == matches)
    }

    /// A pattern that does not compile is a schema error, and a mismatch names the pattern.
    @Test func patternErrors() throws {
        #expect(throws: JSONSchemaError(path: "#/properties/code/pattern", message: #""(ab" is not a regular expression this can compile"#)) {
            try compile(#"{"properties": {"code": {"pattern": "(ab"}}}"#)
        }
        let violation = try compile(#"{"pattern": "^[0-9]{3}$"}"#).firstViolation(of: .string("12a"))
        #expect(violation?.description == #"$: "12a" does not match the pattern ^[0-9]{3}$ (pattern)"#)
    }

    /// Each checked format accepts what its RFC allows and refuses the rest; other values than
    /// strings pass.
    @Test(arguments: [
        ("date-time", "2024-05-01T12:30:00Z", true), ("date-time", "1963-06-19t08:30:06.283185z", true),
        ("date-time", "1990-12-31T15:59:50.123-08:00", true), ("date-time", "1998-12-31T23:59:60Z", true),
        ("date-time", "1998-12-31T15:59:60.123-08:00", true), ("date-time", "1998-12-31T22:59:60Z", false),
        ("date-time", "2024-05-01 12:30:00Z", false), ("date-time", "2024-05-01T12:30:00", false), ("date-time", "2023-02-29T00:00:00Z", false),
        ("date-time", "2024-05-01T12:30:00Z\n", false),
        ("date", "2024-02-29", true), ("date", "2000-02-29", true), ("date", "1900-02-29", false), ("date", "2024-04-31", false),
        ("date", "2024-5-01", false), ("date", "2024-0৫-01", false),
        ("time", "08:30:06Z", true), ("time", "23:59:60Z", true), ("time", "23:59:60+00:00", true), ("time", "15:59:60-08:00", true),
        ("time", "22:59:60Z", false), ("time", "12:00:00", false), ("time", "24:00:00Z", false), ("time", "08:30:06+0130", false),
        ("duration", "P4DT12H30M5S", true), ("duration", "P2W", true), ("duration", "PT36H", true), ("duration", "P1M", true),
        ("duration", "PT1M2S", true), ("duration", "P1Y2D", false), ("duration", "PT1H2S", false), ("duration", "P", false),
        ("duration", "PT", false), ("duration", "P1YT", false), ("duration", "P1Y2W", false), ("duration", "PT0.5S", false),
        ("duration", "PT1D", false), ("duration", "P2D1Y", false),
        ("email", "joe.bloggs@example.com", true), ("email", #""joe bloggs"@example.com"#, true), ("email", "a@[127.0.0.1]", true),
        ("email", "a@[IPv6:::1]", true), ("email", "test@io", true), ("email", "2962", false), ("email", "a@b@c.org", false),
        ("email", "te..st@example.com", false), ("email", ".test@example.com", false), ("email", "test@iana.org.", false),
        ("email", "a@[127.0.0.300]", false), ("email", "aé@iana.org", false), ("email", "joe bloggs@example.com", false),
        ("hostname", "www.example.com", true), ("hostname", "xn--4gbwdl.xn--wgbh1c", true), ("hostname", "localhost", true),
        ("hostname", "-a.com", false), ("hostname", "a-.com", false), ("hostname", "host_name", false), ("hostname", "", false),
        ("hostname", String(repeating: "a", count: 64) + ".com", false), ("hostname", "example.com.", false),
        ("ipv4", "192.168.0.1", true), ("ipv4", "256.0.0.1", false), ("ipv4", "01.2.3.4", false), ("ipv4", "1.2.3", false),
        ("ipv6", "::1", true), ("ipv6", "::", true), ("ipv6", "1:2:3:4:5:6:7:8", true), ("ipv6", "::ffff:192.168.0.1", true),
        ("ipv6", "1::2::3", false), ("ipv6", "1:2:3:4:5:6:7", false), ("ipv6", "12345::", false), ("ipv6", "fe80::a%eth1", false),
        ("ipv6", "1:2:3:4:5:6:7:8:9", false), ("ipv6", "1::2:3:4:5:6:7:8", false),
        ("uuid", "2eb8aa08-aa98-11ea-b4aa-73b441d16380", true), ("uuid", "2EB8AA08-AA98-11EA-B4AA-73B441D16380", true),
        ("uuid", "2eb8aa08aa9811eab4aa73b441d16380", false), ("uuid", "{2eb8aa08-aa98-11ea-b4aa-73b441d16380}", false),
        ("uri", "not a uri at all", true), ("color", "#zzz", true),
    ])
    func formats(format: String, text: String, passes: Bool) throws {
        let schema = try compile(#"{"format": "\#(format)"}"#)
        let violation = schema.firstViolation(of: .string(text))
        #expect((violation == nil) == passes, "\(format): \(text)")
        #expect(violation.map { $0.rule == "format" } ?? true)
        #expect(schema.firstViolation(of: .number("12")) == nil)
    }

    /// A format message names what the string should have been.
    @Test func formatMessage() throws {
        let violation = try compile(#"{"properties": {"when": {"format": "date"}}}"#).firstViolation(
            of: try JSONParser.parse(#"{"when": "2024-13-01"}"#))
        #expect(violation?.description == #"$.when: "2024-13-01" is not a valid date (format)"#)
    }

    // MARK: Numbers

    /// Bounds compare exactly, at any size: 2^53 + 1 is above 2^53 though a Double cannot tell.
    @Test(arguments: [
        (#"{"maximum": 9007199254740992}"#, "9007199254740993", false),
        (#"{"maximum": 9007199254740993}"#, "9007199254740993.0", true),
        (#"{"minimum": -9223372036854775809}"#, "-9223372036854775808", true),
        (#"{"minimum": 1e400}"#, "1e399", false),
        (#"{"maximum": 0.1}"#, "0.10000000000000000001", false),
        (#"{"exclusiveMinimum": 0}"#, "0", false),
        (#"{"exclusiveMinimum": 0}"#, "-0.0", false),
        (#"{"exclusiveMinimum": 0}"#, "1e-300", true),
        (#"{"exclusiveMaximum": 1}"#, "1.0", false),
        (#"{"exclusiveMaximum": 1}"#, "0.999", true),
        (#"{"minimum": 2, "maximum": 2}"#, "2.00", true),
        (#"{"maximum": 5}"#, #""6""#, true),
    ])
    func numericBounds(schema: String, value: String, passes: Bool) throws {
        #expect((try compile(schema).firstViolation(of: try JSONParser.parse(value)) == nil) == passes)
    }

    /// multipleOf is exact for decimals, where floating point would call 0.3 no multiple of 0.1.
    @Test(arguments: [
        ("0.1", "0.3", true), ("0.1", "0.35", false), ("0.01", "19.99", true), ("3", "1e400", false), ("3", "3e400", true),
        ("2", "-4", true), ("2", "0", true), ("1.5", "4.5", true), ("1.5", "4", false), ("1e2", "500", true), ("1e2", "50", false),
        ("7", "9223372036854775807", true), ("0.5", "1e-1", false),
    ])
    func multipleOf(divisor: String, value: String, passes: Bool) throws {
        #expect((try compile(#"{"multipleOf": \#(divisor)}"#).firstViolation(of: .number(value)) == nil) == passes)
    }

    /// Number messages show both numbers as written.
    @Test func numberMessages() throws {
        #expect(
            try compile(#"{"exclusiveMinimum": 0}"#).firstViolation(of: .number("0.0"))?.description
                == "$: 0.0 is not greater than 0 (exclusiveMinimum)")
        #expect(
            try compile(#"{"exclusiveMaximum": 1}"#).firstViolation(of: .number("1"))?.description == "$: 1 is not less than 1 (exclusiveMaximum)")
        #expect(
            try compile(#"{"multipleOf": 0.5}"#).firstViolation(of: .number("0.75"))?.description == "$: 0.75 is not a multiple of 0.5 (multipleOf)")
    }

    // MARK: Arrays

    /// items, minItems and maxItems hold every item to the schema and the count to its bounds;
    /// a violation inside an item names the item's index.
    @Test func items() throws {
        let schema = try compile(
            #"{"properties": {"answers": {"type": "array", "minItems": 1, "maxItems": 4,"#
                + #" "items": {"type": "object", "properties": {"score": {"type": "integer"}}, "required": ["score"]}}}}"#)
        #expect(schema.firstViolation(of: try JSONParser.parse(#"{"answers": [{"score": 1}, {"score": 2.0}]}"#)) == nil)
        let inside = schema.firstViolation(of: try JSONParser.parse(#"{"answers": [{"score": 1}, {"score": 2}, {"score": 3}, {"score": 3.5}]}"#))
        #expect(
            inside
                == JSONSchemaViolation(
                    path: "$.answers[3].score", rule: "type", description: "$.answers[3].score: 3.5 is a number, expected an integer (type)"))
        let missing = schema.firstViolation(of: try JSONParser.parse(#"{"answers": [{"score": 1}, {}]}"#))
        #expect(missing?.description == #"$.answers[1]: the required property "score" is missing (required)"#)
        #expect(
            schema.firstViolation(of: try JSONParser.parse(#"{"answers": []}"#))?.description
                == "$.answers: the array has 0 items, fewer than 1 (minItems)")
        let five = #"{"answers": [{"score": 1}, {"score": 1}, {"score": 1}, {"score": 1}, {"score": 1}]}"#
        #expect(schema.firstViolation(of: try JSONParser.parse(five))?.description == "$.answers: the array has 5 items, more than 4 (maxItems)")
    }

    /// prefixItems checks items by position, items the ones after; `items: false` ends the tuple.
    @Test func prefixItems() throws {
        let schema = try compile(#"{"prefixItems": [{"type": "string"}, {"type": "number"}], "items": false}"#)
        #expect(schema.firstViolation(of: try JSONParser.parse(#"["a", 1]"#)) == nil)
        #expect(schema.firstViolation(of: try JSONParser.parse(#"["a"]"#)) == nil)
        #expect(schema.firstViolation(of: try JSONParser.parse(#"[1, 1]"#))?.description == "$[0]: 1 is a number, expected a string (type)")
        #expect(
            schema.firstViolation(of: try JSONParser.parse(#"["a", 1, null]"#))
                == JSONSchemaViolation(path: "$[2]", rule: "items", description: "$[2]: the array allows no item at index 2 (items)"))
        let open = try compile(#"{"prefixItems": [{"type": "string"}]}"#)
        #expect(open.firstViolation(of: try JSONParser.parse(#"["a", 1, null]"#)) == nil)
    }

    /// uniqueItems compares items as enum does and names the first two that are equal.
    @Test(arguments: [
        ("[1, 2, 3]", true), ("[1, 1.0]", false), (#"[{"a": 1, "b": 2}, {"b": 2, "a": 1}]"#, false), (#"["é", "e\u0301"]"#, true),
        ("[0, false]", true), ("[[1, 2], [2, 1]]", true), ("[null, null]", false), ("[]", true),
    ])
    func uniqueItems(items: String, passes: Bool) throws {
        let schema = try compile(#"{"uniqueItems": true}"#)
        #expect((schema.firstViolation(of: try JSONParser.parse(items)) == nil) == passes)
        #expect(try compile(#"{"uniqueItems": false}"#).firstViolation(of: try JSONParser.parse(items)) == nil)
    }

    /// The uniqueItems message names the two equal items.
    @Test func uniqueItemsMessage() throws {
        let violation = try compile(#"{"uniqueItems": true}"#).firstViolation(of: try JSONParser.parse(#"["a", "b", "a"]"#))
        #expect(violation?.description == "$: items 0 and 2 are equal, and items must be unique (uniqueItems)")
    }

    // MARK: Objects

    /// additionalProperties as a schema holds the members properties does not name.
    @Test func additionalPropertiesSchema() throws {
        let schema = try compile(#"{"properties": {"id": {"type": "string"}}, "additionalProperties": {"type": "number"}}"#)
        #expect(schema.firstViolation(of: try JSONParser.parse(#"{"id": "x", "a": 1, "b": 2.5}"#)) == nil)
        let violation = schema.firstViolation(of: try JSONParser.parse(#"{"id": "x", "a": 1, "two words": "2"}"#))
        #expect(
            violation
                == JSONSchemaViolation(
                    path: #"$["two words"]"#, rule: "type", description: #"$["two words"]: "2" is a string, expected a number (type)"#))
    }

    /// minProperties and maxProperties count the members.
    @Test func propertyCounts() throws {
        let schema = try compile(#"{"minProperties": 1, "maxProperties": 2}"#)
        #expect(schema.firstViolation(of: try JSONParser.parse(#"{"a": 1}"#)) == nil)
        #expect(schema.firstViolation(of: try JSONParser.parse("{}"))?.description == "$: the object has 0 properties, fewer than 1 (minProperties)")
        #expect(
            schema.firstViolation(of: try JSONParser.parse(#"{"a": 1, "b": 2, "c": 3}"#))?.description
                == "$: the object has 3 properties, more than 2 (maxProperties)")
    }

    /// An object holding a key twice counts it once, with the last value, as JSONParser reads
    /// such text: `{"n": "x", "n": 1}` is `{"n": 1}`.
    @Test func repeatedKeysCountOnceWithTheLastValue() throws {
        let schema = try compile(#"{"properties": {"n": {"type": "integer"}}, "maxProperties": 1}"#)
        let repeated = JSONObject(keys: ["n", "n"], values: [.string("x"), .number("1")])
        #expect(schema.firstViolation(of: .object(repeated)) == nil)
        let reversed = JSONObject(keys: ["n", "n"], values: [.number("1"), .string("x")])
        #expect(schema.firstViolation(of: .object(reversed))?.description == #"$.n: "x" is a string, expected an integer (type)"#)
        let equal = try compile(#"{"const": {"n": 1}}"#)
        #expect(equal.firstViolation(of: .object(repeated)) == nil)
    }

    /// Property names match code point for code point: `é` and `e` + combining acute are two names.
    @Test func propertyNamesMatchExactly() throws {
        let schema = try compile(#"{"properties": {"é": {"type": "string"}}, "required": ["é"], "additionalProperties": false}"#)
        #expect(schema.firstViolation(of: .object(JSONObject(keys: ["é"], values: [.string("x")]))) == nil)
        #expect(schema.firstViolation(of: .object(JSONObject(keys: ["e\u{301}"], values: [.string("x")])))?.rule == "required")
    }

    // MARK: anyOf, allOf, oneOf, not

    /// anyOf passes when a choice passes; when none does, it names the nearest miss: the
    /// choice whose type fitted.
    @Test func anyOf() throws {
        let schema = try compile(
            #"{"properties": {"answer": {"anyOf": [{"type": "null"}, {"type": "object", "properties": {"n": {"maximum": 3}}}]}}}"#)
        #expect(schema.firstViolation(of: try JSONParser.parse(#"{"answer": null}"#)) == nil)
        #expect(schema.firstViolation(of: try JSONParser.parse(#"{"answer": {"n": 2}}"#)) == nil)
        let violation = schema.firstViolation(of: try JSONParser.parse(#"{"answer": {"n": 5}}"#))
        #expect(violation?.path == "$.answer")
        #expect(violation?.rule == "anyOf")
        #expect(
            violation?.description
                == #"$.answer: {"n":5} matches none of the 2 anyOf choices (anyOf); nearest: $.answer.n: 5 is greater than the maximum 3 (maximum)"#)
    }

    /// allOf holds the value to every choice.
    @Test func allOf() throws {
        let schema = try compile(#"{"allOf": [{"type": "integer"}, {"minimum": 10}, {"multipleOf": 5}]}"#)
        #expect(schema.firstViolation(of: .number("15")) == nil)
        #expect(schema.firstViolation(of: .number("5"))?.rule == "minimum")
        #expect(schema.firstViolation(of: .number("12"))?.rule == "multipleOf")
    }

    /// oneOf passes when exactly one choice does, and names the choices when more do.
    @Test func oneOf() throws {
        let schema = try compile(#"{"oneOf": [{"type": "integer"}, {"minimum": 10}, {"type": "string"}]}"#)
        #expect(schema.firstViolation(of: .number("3")) == nil)
        #expect(schema.firstViolation(of: .number("10.5")) == nil)
        #expect(
            schema.firstViolation(of: .number("12"))?.description
                == "$: 12 matches oneOf/0 and oneOf/1, and must match exactly one oneOf choice (oneOf)")
        #expect(
            schema.firstViolation(of: .number("5.5"))?.description
                == "$: 5.5 matches none of the 3 oneOf choices (oneOf); nearest: $: 5.5 is less than the minimum 10 (minimum)")
    }

    /// not refuses what its schema accepts.
    @Test func not() throws {
        let schema = try compile(#"{"not": {"enum": ["unknown", ""]}}"#)
        #expect(schema.firstViolation(of: .string("positive")) == nil)
        #expect(schema.firstViolation(of: .string(""))?.description == #"$: "" matches the schema under not, which it must not (not)"#)
    }

    /// The schemas true and false accept everything and nothing.
    @Test func booleanSchemas() throws {
        #expect(try compile("true").firstViolation(of: .null) == nil)
        #expect(try compile("false").firstViolation(of: .null)?.description == "$: no value is allowed here (false)")
        #expect(try compile(#"{"properties": {"x": false}}"#).firstViolation(of: try JSONParser.parse(#"{"x": 1}"#))?.rule == "properties")
    }

    // MARK: $ref

    /// A $ref to $defs may recurse: a tree of any depth is checked to its leaves.
    @Test func recursiveTree() throws {
        let schema = try compile(
            ##"{"$defs": {"node": {"type": "object", "properties": {"value": {"type": "integer"},"##
                + ##" "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}, "required": ["value"], "additionalProperties": false}},"##
                + ##" "$ref": "#/$defs/node"}"##)
        let tree = #"{"value": 1, "children": [{"value": 2}, {"value": 3, "children": [{"value": 4, "children": []}]}]}"#
        #expect(schema.firstViolation(of: try JSONParser.parse(tree)) == nil)
        let deep = #"{"value": 1, "children": [{"value": 2}, {"value": 3, "children": [{"value": "4"}]}]}"#
        #expect(schema.firstViolation(of: try JSONParser.parse(deep))?.path == "$.children[1].children[0].value")
        let extra = #"{"value": 1, "children": [{"value": 2, "label": "x"}]}"#
        #expect(
            schema.firstViolation(of: try JSONParser.parse(extra))
                == JSONSchemaViolation(
                    path: "$.children[0].label", rule: "additionalProperties",
                    description: #"$.children[0].label: the property "label" is not allowed (additionalProperties)"#))
    }

    /// $ref reaches the whole schema (`#`), `definitions`, and any JSON Pointer, escapes included.
    @Test func refForms() throws {
        let list = try compile(
            ##"{"type": "object", "properties": {"next": {"anyOf": [{"$ref": "#"}, {"type": "null"}]}}, "required": ["next"]}"##)
        #expect(list.firstViolation(of: try JSONParser.parse(#"{"next": {"next": {"next": null}}}"#)) == nil)
        #expect(list.firstViolation(of: try JSONParser.parse(#"{"next": {"next": {}}}"#))?.rule == "anyOf")
        let pointer = try compile(
            #"{"definitions": {"a/b": {"type": "string"}, "c~d": {"type": "number"}, "e f": {"type": "null"}},"#
                + ##" "prefixItems": [{"$ref": "#/definitions/a~1b"}, {"$ref": "#/definitions/c~0d"}, {"$ref": "#/definitions/e%20f"},"##
                + ##" {"$ref": "#/prefixItems/0"}]}"##)
        #expect(pointer.firstViolation(of: try JSONParser.parse(#"["x", 1, null, "y"]"#)) == nil)
        #expect(pointer.firstViolation(of: try JSONParser.parse(#"["x", 1, null, 2]"#))?.path == "$[3]")
        let identified = try compile(
            ##"{"$id": "https://example.com/s.json", "$defs": {"n": {"type": "integer"}}, "items": {"$ref": "https://example.com/s.json#/$defs/n"}}"##
        )
        #expect(identified.firstViolation(of: try JSONParser.parse("[1, 2.5]"))?.path == "$[1]")
    }

    /// A $ref applies beside its sibling keywords, as in draft 2020-12.
    @Test func refWithSiblings() throws {
        let schema = try compile(##"{"$defs": {"n": {"type": "number"}}, "$ref": "#/$defs/n", "maximum": 3}"##)
        #expect(schema.firstViolation(of: .number("2")) == nil)
        #expect(schema.firstViolation(of: .number("4"))?.rule == "maximum")
        #expect(schema.firstViolation(of: .string("2"))?.rule == "type")
    }

    /// A $ref that cannot be followed, or a loop that never moves into the value, is a schema error.
    @Test func refErrors() {
        #expect(throws: JSONSchemaError(path: "#/properties/a/$ref", message: ##""#/$defs/missing" points to nothing in this schema"##)) {
            try compile(##"{"properties": {"a": {"$ref": "#/$defs/missing"}}}"##)
        }
        #expect(
            throws: JSONSchemaError(
                path: "#/$ref",
                message: ##""other.json#/$defs/a" points outside this schema; only refs within it, such as "#/$defs/NAME", are followed"##)
        ) {
            try compile(##"{"$ref": "other.json#/$defs/a"}"##)
        }
        #expect(
            throws: JSONSchemaError(
                path: "#/$ref", message: ##""#node" names an anchor; only JSON Pointer refs, such as "#/$defs/NAME", are followed"##)
        ) {
            try compile(##"{"$ref": "#node"}"##)
        }
        #expect(
            throws: JSONSchemaError(
                path: "#/$defs/b/anyOf/1",
                message: "leads back to #/$defs/a through $ref, allOf, anyOf, oneOf or not without moving into a property or an item,"
                    + " so checking a value against it would never end")
        ) {
            try compile(##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"anyOf": [{"type": "null"}, {"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}"##)
        }
    }

    /// A value is checked to `maximumDepth` levels and no deeper, so that a check fits the
    /// 512 KB stack of a secondary thread on macOS however deep the answer nests.
    @Test func depthIsBounded() throws {
        let schema = try compile(##"{"anyOf": [{"type": "array", "items": {"$ref": "#"}}, {"type": "integer"}]}"##)
        func nested(_ depth: Int) throws -> JSONValue {
            try JSONParser.parse(String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth))
        }
        let values = [try nested(JSONSchema.maximumDepth), try nested(JSONSchema.maximumDepth + 1), try nested(511)]
        let outcome = Outcome()
        let thread = Thread {
            outcome.set(values.map { schema.firstViolation(of: $0) })
        }
        thread.stackSize = 512 * 1024
        thread.start()
        let violations = outcome.wait()
        #expect(violations[0] == nil)
        let path = "$" + String(repeating: "[0]", count: JSONSchema.maximumDepth + 1)
        let tooDeep = JSONSchemaViolation(
            path: path, rule: "depth", description: "\(path): the value nests more than 64 levels deep, deeper than this checks (depth)")
        let inAnyOf =
            "$: " + String(repeating: "[", count: 59) + "… matches none of the 2 anyOf choices (anyOf); nearest: \(tooDeep.description)"
        #expect(violations[1] == JSONSchemaViolation(path: "$", rule: "anyOf", description: inAnyOf))
        #expect(violations[2] == violations[1])
        #expect(try compile("{}").firstViolation(of: try nested(65)) == nil)
    }

    // MARK: Document order

    /// The first violation is the first met reading the value: the value's own keywords before
    /// its members, members in the order written, whichever keyword of the schema finds them.
    @Test func firstViolationInDocumentOrder() throws {
        let schema = try compile(
            #"{"properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "allOf": [{"properties": {"c": {"type": "string"}}}]}"#)
        #expect(schema.firstViolation(of: try JSONParser.parse(#"{"c": 1, "b": 1, "a": 1}"#))?.path == "$.c")
        #expect(schema.firstViolation(of: try JSONParser.parse(#"{"b": 1, "c": 1, "a": 1}"#))?.path == "$.b")
        let own = try compile(#"{"properties": {"a": {"type": "string"}}, "allOf": [{"required": ["z"]}]}"#)
        #expect(own.firstViolation(of: try JSONParser.parse(#"{"a": 1}"#))?.rule == "required")
        let items = try compile(#"{"items": {"type": "string"}, "allOf": [{"prefixItems": [true, {"maxLength": 0}]}]}"#)
        let violation = items.firstViolation(of: try JSONParser.parse(#"["a", "b", 3]"#))
        #expect(violation?.path == "$[1]")
        #expect(violation?.rule == "maxLength")
    }

    // MARK: Schema errors

    /// A keyword this does not check is refused with its path, a likely intended keyword, and
    /// the supported ones; annotations are accepted and change nothing.
    @Test func unsupportedKeywords() throws {
        let supported =
            "$defs, $ref, additionalProperties, allOf, anyOf, const, definitions, enum, exclusiveMaximum, exclusiveMinimum, format, items,"
            + " maxItems, maxLength, maxProperties, maximum, minItems, minLength, minProperties, minimum, multipleOf, not, oneOf, pattern,"
            + " prefixItems, properties, required, type, uniqueItems"
        #expect(
            throws: JSONSchemaError(
                path: "#/properties/label/patternProperties",
                message: #""patternProperties" is not a keyword this checks, and skipping it would pass answers that break it — "#
                    + "remove it or say it with the supported ones: \(supported)")
        ) {
            try compile(#"{"properties": {"label": {"type": "object", "patternProperties": {"^x": {}}}}}"#)
        }
        #expect(
            throws: JSONSchemaError(
                path: "#/items/minLenght",
                message: #""minLenght" is not a keyword this checks, and skipping it would pass answers that break it — did you mean "minLength"? "#
                    + "remove it or say it with the supported ones: \(supported)")
        ) {
            try compile(#"{"items": {"minLenght": 3}}"#)
        }
        let annotated = try compile(
            #"{"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "x", "title": "t", "description": "d", "default": 1,"#
                + #" "examples": [1], "$comment": "c", "strict": true, "deprecated": false, "readOnly": true, "writeOnly": false}"#)
        #expect(annotated.firstViolation(of: .string("anything")) == nil)
    }

    /// A keyword with a value of the wrong shape is refused, saying what it must be.
    @Test(arguments: [
        (#"{"type": "float"}"#, "#/type", #""float" is not a type name — the names are object, array, string, number, integer, boolean, null"#),
        (
            #"{"type": "strng"}"#, "#/type",
            #""strng" is not a type name — did you mean "string"? the names are object, array, string, number, integer, boolean, null"#
        ),
        (#"{"type": []}"#, "#/type", "must be a type name or a non-empty list of them, not []"),
        (#"{"minLength": -1}"#, "#/minLength", "must be a whole number 0 or more, not -1"),
        (#"{"maxItems": 1.5}"#, "#/maxItems", "must be a whole number 0 or more, not 1.5"),
        (#"{"minimum": "0"}"#, "#/minimum", #"must be a number, not "0""#),
        (
            #"{"exclusiveMinimum": true}"#, "#/exclusiveMinimum",
            "must be a number, not true (the true/false form is draft 4's: write the limit itself)"
        ),
        (#"{"multipleOf": 0}"#, "#/multipleOf", "must be greater than 0"),
        (#"{"items": [{}]}"#, "#/items", "a list of schemas is the pre-2020 form of items; write them as prefixItems"),
        (#"{"anyOf": []}"#, "#/anyOf", "must list at least one schema"),
        (#"{"required": "a"}"#, "#/required", #"must be a list, not "a""#),
        (#"{"required": [1]}"#, "#/required", "must list strings, not 1"),
        (#"{"properties": {"a": 1}}"#, "#/properties/a", "a schema is an object or true or false, not 1"),
        (#"{"enum": {}}"#, "#/enum", "must be a list, not {}"),
        (
            #"{"$defs": {"a": {"$id": "a"}}}"#, "#/$defs/a/$id",
            "$id inside a schema changes what the $refs under it point to, which this does not follow; remove it"
        ),
    ])
    func malformedKeywords(schema: String, path: String, message: String) {
        #expect(throws: JSONSchemaError(path: path, message: message)) { try compile(schema) }
    }

    /// A schema error reads as its path and message.
    @Test func schemaErrorDescription() {
        #expect(
            JSONSchemaError(path: "#/minLength", message: "must be a whole number 0 or more, not -1").description
                == "#/minLength: must be a whole number 0 or more, not -1")
    }

    // MARK: The oracle

    /// Every case python-jsonschema judged (scripts/schema-oracle.py) gets the same verdict.
    @Test func agreesWithTheOracle() throws {
        var disagreements: [String] = []
        var count = 0
        for line in JSONSchemaOracleCases.jsonLines.split(separator: "\n") {
            guard case .object(let testCase) = try JSONParser.parse(String(line)),
                case .number(let number) = testCase["case"], let schema = testCase["schema"], let instance = testCase["instance"],
                case .bool(let valid) = testCase["valid"]
            else {
                Issue.record("malformed case: \(line)")
                continue
            }
            count += 1
            let violation = try JSONSchema(schema).firstViolation(of: instance)
            if (violation == nil) != valid {
                disagreements.append("case \(number): the oracle says \(valid ? "valid" : "invalid"), this says \(violation?.description ?? "valid")")
            }
        }
        #expect(count == 640)
        #expect(disagreements.isEmpty, "\(disagreements.joined(separator: "\n"))")
    }

}

private func compile(_ text: String) throws -> JSONSchema {
    try JSONSchema(JSONParser.parse(text))
}

/// Results handed from a thread to the test that waits for them.
private final class Outcome: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var violations: [JSONSchemaViolation?] = []

    func set(_ violations: [JSONSchemaViolation?]) {
        self.violations = violations
        done.signal()
    }

    func wait() -> [JSONSchemaViolation?] {
        done.wait()
        return violations
    }
}

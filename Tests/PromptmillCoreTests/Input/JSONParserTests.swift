import Testing
import PromptmillCore

@Suite struct JSONParserTests {
    /// Escapes decode, surrogate pairs join, numbers keep their text.
    @Test func decodesEscapesAndKeepsNumbers() throws {
        let value = try JSONParser.parse(#"{"s":"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","n":[-0.5e-3,10,0]}"#)
        #expect(
            value
                == .object(
                    JSONObject(
                        keys: ["s", "n"],
                        values: [
                            .string("a\"\\/\u{8}\u{C}\n\r\té😀"), .array([.number("-0.5e-3"), .number("10"), .number("0")]),
                        ])))
    }

    /// Malformed texts are refused with the reason and the byte where it was found.
    @Test func refusesMalformedText() {
        #expect(throws: JSONParseError("lone surrogate \\uD83D in a string", offset: 2)) { try JSONParser.parse(#""\ud83d x""#) }
        #expect(throws: JSONParseError("invalid number", offset: 2)) { try JSONParser.parse("-x") }
        #expect(throws: JSONParseError("invalid number: a digit must follow '.'", offset: 3)) { try JSONParser.parse("1.") }
        #expect(throws: JSONParseError("trailing characters after the JSON value", offset: 4)) { try JSONParser.parse("{} x") }
        #expect(throws: JSONParseError("unterminated string", offset: 5)) { try JSONParser.parse(#""abc"#) }
        #expect(throws: JSONParseError("unexpected end of input inside an array", offset: 3)) { try JSONParser.parse("[1") }
    }

    /// Nesting is bounded, so a hostile line cannot overflow the stack.
    @Test func boundsNesting() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(String(repeating: "[", count: 600)) }
    }
}

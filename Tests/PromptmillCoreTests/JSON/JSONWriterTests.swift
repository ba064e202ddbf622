import Testing
import PromptmillCore

@Suite struct JSONWriterTests {
    /// Strings are escaped per RFC 8259: quotes, backslashes and control characters; other
    /// characters, non-ASCII included, pass as UTF-8.
    @Test func escapesStrings() {
        var writer = JSONWriter()
        writer.string("a\"b\\c\n\t\u{01}é😀")
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #""a\"b\\c\n\t\u0001é😀""#)
    }

    /// Values keep their order and numbers their text.
    @Test func writesNestedValues() {
        var writer = JSONWriter()
        writer.value(.object(JSONObject(keys: ["z", "a"], values: [.array([.number("1.50"), .null, .bool(false)]), .string("x")])))
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"z":[1.50,null,false],"a":"x"}"#)
    }
}

import Testing
@testable import PromptmillCore

/// An answer's stored JSON and its typed value agree byte for byte: a cached rerun copies the
/// stored bytes into the record, a later step reads the typed value back from them.
@Suite struct AnswerTests {
    static let answers: [Answer] = [
        Answer(output: .text("positive"), finishReasons: ["stop"]),
        Answer(output: .text("line\n\"quoted\" é 😀"), finishReasons: [nil]),
        Answer(output: .choices([.text("a"), .text("b")]), finishReasons: ["stop", "length"]),
        Answer(output: .vector(["0.0123", "-1.5e-05", "3"]), finishReasons: []),
        Answer(output: .object(JSONObject(keys: ["flagged", "categories"], values: [.bool(false), .object(JSONObject())])), finishReasons: []),
        Answer(
            output: .object(JSONObject(keys: ["role", "tool_calls"], values: [.string("assistant"), .array([])])), finishReasons: ["tool_calls"]),
    ]

    static func stored(_ answer: Answer) -> (output: [UInt8], finishReason: [UInt8]) {
        var output = JSONWriter(), reason = JSONWriter()
        answer.writeOutput(into: &output)
        answer.writeFinishReason(into: &reason)
        return (output.bytes, reason.bytes)
    }

    /// Reading an answer back from what the store keeps and writing it again gives the same
    /// bytes.
    @Test(arguments: answers) func storedFormRoundTrips(_ answer: Answer) throws {
        let (output, reason) = Self.stored(answer)
        let read = try #require(
            output.withUnsafeBytes { outputBytes in
                reason.withUnsafeBytes { Answer(storedOutput: outputBytes, finishReason: $0) }
            })
        let again = Self.stored(read)
        #expect(again.output == output)
        #expect(again.finishReason == reason)
        #expect(read.outputValue == answer.outputValue)
    }

    /// The record's `finish_reason` is null without reasons, the reason for one choice, and a
    /// list for several.
    @Test func finishReasonShapes() {
        #expect(String(decoding: Self.stored(Self.answers[0]).finishReason, as: UTF8.self) == "\"stop\"")
        #expect(String(decoding: Self.stored(Self.answers[1]).finishReason, as: UTF8.self) == "null")
        #expect(String(decoding: Self.stored(Self.answers[2]).finishReason, as: UTF8.self) == "[\"stop\",\"length\"]")
        #expect(String(decoding: Self.stored(Self.answers[3]).finishReason, as: UTF8.self) == "null")
        #expect(String(decoding: Self.stored(Self.answers[2]).output, as: UTF8.self) == "[\"a\",\"b\"]")
    }
}

import PromptmillCore

/// Parses a fuzz input as one JSON text. A parse error must point inside the text (or just
/// past its end); a parsed value, written back by `JSONWriter`, must parse to the same value
/// and write to the same bytes, since promptmill writes input rows into its output records.
enum JSONParserFuzzer {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            precondition((1...bytes.count + 1).contains(error.offset), "error offset \(error.offset) in \(bytes.count) bytes")
            precondition(!error.description.isEmpty)
            return
        }
        var writer = JSONWriter()
        writer.value(value)
        let again: JSONValue
        do {
            again = try writer.bytes.withUnsafeBytes { buffer throws(JSONParseError) in try JSONParser.parse(buffer) }
        } catch {
            preconditionFailure("JSONWriter wrote JSON that does not parse: \(error)")
        }
        precondition(again == value, "the value written and parsed again differs")
        var rewriter = JSONWriter()
        rewriter.value(again)
        precondition(rewriter.bytes == writer.bytes, "the value parsed again writes other bytes")
    }
}

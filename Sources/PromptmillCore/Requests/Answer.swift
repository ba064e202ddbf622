/// One row's answer, typed, from the response parser to the record writer.
///
/// Its JSON (`output` and `finish_reason` of the contract's record) is what the answer store
/// keeps: `writeOutput` and `writeFinishReason` write it, `init(storedOutput:finishReason:)`
/// reads it back, and the two agree byte for byte (a cached rerun copies the stored bytes
/// into the record without decoding them).
public struct Answer: Sendable, Equatable {
    public enum Output: Sendable, Equatable {
        /// A completion's text, or a chat message's content.
        case text(String)
        /// `n` > 1: the choices, by index.
        case choices([Output])
        /// An embedding: each number as the server wrote it (base64 float32 is decoded and
        /// written as the shortest text that reads back as the same float).
        case vector([String])
        /// A moderation result, or a chat message without text content (tool calls).
        case object(JSONObject)
    }

    public var output: Output
    /// One per choice (nil where the server gave none); empty for embeddings and moderations.
    public var finishReasons: [String?]

    public init(output: Output, finishReasons: [String?]) {
        self.output = output
        self.finishReasons = finishReasons
    }

    /// The record's `output`.
    public func writeOutput(into writer: inout JSONWriter) {
        Self.write(output, into: &writer)
    }

    /// The record's `finish_reason`: null, one reason, or a list when `n` > 1.
    public func writeFinishReason(into writer: inout JSONWriter) {
        switch finishReasons.count {
        case 0: writer.null()
        case 1: Self.write(finishReasons[0], into: &writer)
        default:
            writer.raw("[")
            for (index, reason) in finishReasons.enumerated() {
                if index > 0 { writer.raw(",") }
                Self.write(reason, into: &writer)
            }
            writer.raw("]")
        }
    }

    /// What later steps' templates and conditions read as `steps.NAME.output`.
    public var outputValue: JSONValue { Self.value(output) }

    /// Reads an answer back from its stored JSON; nil when the bytes are not what
    /// `writeOutput` / `writeFinishReason` write.
    public init?(storedOutput: UnsafeRawBufferPointer, finishReason: UnsafeRawBufferPointer) {
        guard let outputValue = try? JSONParser.parse(storedOutput), let output = Self.output(outputValue),
            let reasonValue = try? JSONParser.parse(finishReason)
        else { return nil }
        switch reasonValue {
        case .null: finishReasons = output.isPerChoice ? [nil] : []
        case .string(let reason): finishReasons = [reason]
        case .array(let reasons):
            finishReasons = reasons.map { if case .string(let reason) = $0 { reason } else { nil } }
        default: return nil
        }
        self.output = output
    }

    private static func output(_ value: JSONValue) -> Output? {
        switch value {
        case .string(let text): return .text(text)
        case .object(let object): return .object(object)
        case .array(let items):
            if items.allSatisfy({ if case .number = $0 { true } else { false } }), !items.isEmpty {
                return .vector(items.map { if case .number(let text) = $0 { text } else { "" } })
            }
            var choices: [Output] = []
            for item in items {
                guard let choice = output(item) else { return nil }
                choices.append(choice)
            }
            return .choices(choices)
        default: return nil
        }
    }

    private static func value(_ output: Output) -> JSONValue {
        switch output {
        case .text(let text): .string(text)
        case .choices(let choices): .array(choices.map(value))
        case .vector(let numbers): .array(numbers.map(JSONValue.number))
        case .object(let object): .object(object)
        }
    }

    private static func write(_ output: Output, into writer: inout JSONWriter) {
        switch output {
        case .text(let text): writer.string(text)
        case .object(let object): writer.value(.object(object))
        case .vector(let numbers):
            writer.raw("[")
            for (index, number) in numbers.enumerated() {
                if index > 0 { writer.raw(",") }
                writer.raw(number)
            }
            writer.raw("]")
        case .choices(let choices):
            writer.raw("[")
            for (index, choice) in choices.enumerated() {
                if index > 0 { writer.raw(",") }
                write(choice, into: &writer)
            }
            writer.raw("]")
        }
    }

    private static func write(_ reason: String?, into writer: inout JSONWriter) {
        if let reason { writer.string(reason) } else { writer.null() }
    }
}

extension Answer.Output {
    /// Completions and chat answers have a finish reason per choice; vectors and moderation
    /// results have none.
    var isPerChoice: Bool {
        switch self {
        case .text, .choices: true
        case .vector: false
        case .object: true
        }
    }
}

import PromptmillCore

/// The parts chat and responses answers share: structured outputs, refusals, cuts.
extension SimulatedRequest {
    static let refusalText = "I'm sorry, but I can't help with that."

    /// The text choice `choice` answers: choice 0 answers the row's text itself, so that it is
    /// what the row gets in any request (alone, or in a pack).
    func rowText(choice: Int) -> String {
        choice == 0 ? texts[0] : texts[0] + "\u{0}\(choice)"
    }

    /// The pack this request carries, if it is one.
    var pack: PackedRequest? { PackedRequest.read(format: format, lastUserText: texts[0]) }

    /// A `json_schema` answer's text: the pack's answers, or the row's structured answer,
    /// broken when the fault says so.
    func schemaText(_ schema: JSONValue, pack: PackedRequest?, choice: Int, fault: AnswerFault?, engine: SimulatorEngine) -> String {
        if let pack { return pack.answerText(violations: engine.configuration.schemaViolations, draw: engine.random) }
        let generator = StructuredAnswer(root: schema, text: rowText(choice: choice))
        let value = generator.value(schema, path: "", depth: 0)
        if case .schemaViolation(let draw) = fault { return generator.brokenText(value, schema: schema, draw: draw) }
        return StructuredAnswer.compact(value)
    }

    /// Text that is not JSON, for a `json_object` answer that goes wrong.
    static func notJSON(_ json: String, draw: UInt64) -> String {
        draw % 2 == 0 ? String(json.prefix(json.count / 2)) : "Here is the JSON you asked for: " + json
    }

    /// The longest start of `text` within `limit` tokens, as a model cut off at its limit
    /// ends (mid-word, mid-JSON).
    func cut(_ text: String, toTokens limit: Int, engine: SimulatorEngine) -> String {
        guard limit > 0 else { return "" }
        if engine.counter.count(text, model) <= limit { return text }
        var fits = 0
        var tooLong = text.count
        while tooLong - fits > 1 {
            let middle = (fits + tooLong) / 2
            if engine.counter.count(String(text.prefix(middle)), model) <= limit { fits = middle } else { tooLong = middle }
        }
        return String(text.prefix(fits))
    }
}

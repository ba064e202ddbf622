import Foundation
import PromptmillTokenizer

/// A 200 answer of any endpoint, mapped back onto the rows that were sent: each row's
/// typed answer, and the request's usage.
struct APIResponse: Sendable {
    struct RowAnswer: Sendable {
        var answer: Answer
        /// What the row's share of the completion tokens is weighed by.
        var completionWeight: Int
        /// The answer was billed but withheld: a content filter stopped it, or the model
        /// refused. The row gets an error record of this type, and nothing is stored.
        var withheld: RowFailure?
    }

    var rows: [RowAnswer]
    /// As the server reported it, or counted by promptmill (`counted`) when it sent none.
    var usage: TokenUsage

    /// Answers are matched to rows by their `index`, never by position: an answer that does
    /// not cover every row exactly is refused (a wrong record is worse than a retry).
    ///
    /// `promptTokens`: each row's prompt tokens, counted by OpenAI's rules; with the
    /// answer's text counted by `tokenizer`, they are the usage of an answer that has none.
    static func parse(
        _ body: [UInt8], endpoint: Endpoint, promptTokens: [Int], choicesPerPrompt n: Int, tokenizer: Tokenizer
    ) throws(ResponseError) -> APIResponse {
        let rowCount = promptTokens.count
        var response: APIResponse
        var served: String?
        func tier(_ object: JSONObject) {
            if case .string(let name)? = object["service_tier"] { served = name }
        }
        let reported: TokenUsage?
        switch endpoint {
        case .completions:
            let answer = try CompletionsResponse.parse(body, promptCount: rowCount, choicesPerPrompt: n)
            let rows = answer.choices.map { choices in
                RowAnswer(
                    answer: Answer(
                        output: choices.count == 1 ? .text(choices[0].text) : .choices(choices.map { .text($0.text) }),
                        finishReasons: choices.map(\.finishReason)),
                    completionWeight: choices.reduce(0) { $0 + tokenizer.count($1.text) },
                    withheld: ContentFilter.withheld(choices.map { ($0.finishReason, $0.text.isEmpty ? nil : $0.text, nil) }))
            }
            response = APIResponse(rows: rows, usage: .zero)
            reported = answer.usage
        case .chat:
            let object = try object(body)
            tier(object)
            response = try chat(object, choicesPerPrompt: n, tokenizer: tokenizer)
            reported = CompletionsResponse.usage(object)
        case .embeddings:
            let object = try object(body)
            tier(object)
            response = try embeddings(object, rowCount: rowCount)
            reported = CompletionsResponse.usage(object)
        case .responses:
            let object = try object(body)
            tier(object)
            response = try ResponsesResponse.parse(object, tokenizer: tokenizer)
            reported = CompletionsResponse.usage(object, names: ("input", "output"))
        case .moderations:
            let object = try object(body)
            response = try moderations(object, rowCount: rowCount)
            // Moderations are free and report no usage.
            reported = CompletionsResponse.usage(object) ?? .zero
        }
        response.usage =
            reported
            ?? TokenUsage(
                promptTokens: promptTokens.reduce(0, +), completionTokens: response.rows.reduce(0) { $0 + $1.completionWeight },
                counted: true)
        // Priced by the tier the answer says served it, not the one asked for.
        response.usage.tier = ServiceTier(served: served)
        return response
    }

    /// The body as a JSON object, or why it is not one.
    static func object(_ body: [UInt8]) throws(ResponseError) -> JSONObject {
        let root: JSONValue
        do {
            root = try body.withUnsafeBytes { bytes throws(JSONParseError) in try JSONParser.parse(bytes) }
        } catch {
            throw .malformed("the body is not valid JSON (\(error))")
        }
        guard case .object(let object) = root else { throw .malformed("the body is not a JSON object") }
        return object
    }

    /// One row, `n` choices: each choice's message content (the whole message when it has
    /// no text content, as with tool calls). The completion weight is the answer's tokens,
    /// counted, for an answer without usage.
    private static func chat(_ object: JSONObject, choicesPerPrompt n: Int, tokenizer: Tokenizer) throws(ResponseError) -> APIResponse {
        guard case .array(let rawChoices)? = object["choices"] else { throw .malformed("the body has no choices array") }
        guard !rawChoices.isEmpty else { throw .empty("the answer's choices array is empty") }
        var slots = [(output: Answer.Output, finish: String?, content: String?, refusal: String?)?](repeating: nil, count: n)
        for raw in rawChoices {
            guard case .object(let choice) = raw, case .number(let indexText)? = choice["index"], let index = Int(indexText) else {
                throw .malformed("a choice has no integer index")
            }
            guard slots.indices.contains(index) else { throw .choicesMismatch("choice index \(index) is outside the \(n) completions asked for") }
            guard slots[index] == nil else { throw .choicesMismatch("choice index \(index) appears twice") }
            guard case .object(let message)? = choice["message"] else { throw .malformed("choice \(index) has no message") }
            var finish: String?
            if case .string(let reason)? = choice["finish_reason"] { finish = reason }
            var refusal: String?
            if case .string(let text)? = message["refusal"], !text.isEmpty { refusal = text }
            if case .string(let content)? = message["content"] {
                slots[index] = (.text(content), finish, content.isEmpty ? nil : content, refusal)
            } else {
                slots[index] = (.object(message), finish, nil, refusal)
            }
        }
        if let missing = slots.firstIndex(where: { $0 == nil }) {
            throw .choicesMismatch("\(rawChoices.count) choices for \(n) expected; index \(missing) is missing")
        }
        let choices = slots.map { $0! }
        let answer = Answer(output: n == 1 ? choices[0].output : .choices(choices.map(\.output)), finishReasons: choices.map(\.finish))
        let weight = choices.reduce(0) { total, choice in
            switch choice.output {
            case .text(let text): return total + tokenizer.count(text)
            case .object(let message):
                var writer = JSONWriter()
                writer.value(.object(message))
                return total + tokenizer.count(String(decoding: writer.bytes, as: UTF8.self))
            default: return total
            }
        }
        return APIResponse(
            rows: [
                RowAnswer(
                    answer: answer, completionWeight: weight,
                    withheld: ContentFilter.withheld(choices.map { ($0.finish, $0.content, $0.refusal) }))
            ],
            usage: .zero)
    }

    /// `data[i].embedding` by `index`: a list of numbers, or base64 of little-endian float32
    /// (`encoding_format: base64`), decoded so the record always holds numbers.
    private static func embeddings(_ object: JSONObject, rowCount: Int) throws(ResponseError) -> APIResponse {
        guard case .array(let data)? = object["data"] else { throw .malformed("the body has no data array") }
        guard !data.isEmpty else { throw .empty("the answer's data array is empty") }
        var vectors = [[String]?](repeating: nil, count: rowCount)
        for item in data {
            guard case .object(let entry) = item, case .number(let indexText)? = entry["index"], let index = Int(indexText) else {
                throw .malformed("an embedding has no integer index")
            }
            guard vectors.indices.contains(index) else { throw .choicesMismatch("embedding index \(index) is outside the \(rowCount) inputs sent") }
            guard vectors[index] == nil else { throw .choicesMismatch("embedding index \(index) appears twice") }
            switch entry["embedding"] {
            case .array(let numbers)?:
                var texts: [String] = []
                texts.reserveCapacity(numbers.count)
                for number in numbers {
                    guard case .number(let text) = number else { throw .malformed("embedding \(index) holds something other than numbers") }
                    texts.append(text)
                }
                vectors[index] = texts
            case .string(let encoded)?:
                guard let bytes = Data(base64Encoded: encoded), bytes.count % 4 == 0 else {
                    throw .malformed("embedding \(index) is not base64 of float32 values")
                }
                vectors[index] = bytes.withUnsafeBytes { raw in
                    (0..<(raw.count / 4)).map { position in
                        Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: position * 4, as: UInt32.self))).description
                    }
                }
            default:
                throw .malformed("embedding \(index) has no vector")
            }
        }
        if let missing = vectors.firstIndex(where: { $0 == nil }) {
            throw .choicesMismatch("\(data.count) embeddings for \(rowCount) inputs; index \(missing) is missing")
        }
        return APIResponse(
            rows: vectors.map { RowAnswer(answer: Answer(output: .vector($0!), finishReasons: []), completionWeight: 0) },
            usage: .zero)
    }

    /// `results[i]` in the order of the inputs (moderation results carry no index).
    private static func moderations(_ object: JSONObject, rowCount: Int) throws(ResponseError) -> APIResponse {
        guard case .array(let results)? = object["results"] else { throw .malformed("the body has no results array") }
        guard !results.isEmpty else { throw .empty("the answer's results array is empty") }
        guard results.count == rowCount else { throw .choicesMismatch("\(results.count) moderation results for \(rowCount) inputs") }
        var rows: [RowAnswer] = []
        for (index, result) in results.enumerated() {
            guard case .object(let object) = result else { throw .malformed("moderation result \(index) is not an object") }
            rows.append(RowAnswer(answer: Answer(output: .object(object), finishReasons: []), completionWeight: 0))
        }
        return APIResponse(rows: rows, usage: .zero)
    }
}

extension APIResponse {
    /// The step's own checks of a parsed answer: a packed answer mapped back onto its rows
    /// (`PackedRequest.unpack`), and each answer of a step with a schema checked against it
    /// (not valid JSON, or breaking the schema: withheld, and the row may be sent again).
    mutating func check(rows sent: [PreparedRow], configuration: PipelineConfiguration, tokenizer: Tokenizer) {
        if configuration.pack > 1, let answer = rows.first {
            rows = PackedRequest.unpack(answer, rows: sent, structured: configuration.structuredOutput, tokenizer: tokenizer)
            return
        }
        guard let structured = configuration.structuredOutput else { return }
        for index in rows.indices where rows[index].withheld == nil {
            guard case .text(let text) = rows[index].answer.output else { continue }
            if let problem = structured.check(text: text) {
                let finish = rows[index].answer.finishReasons.first ?? nil
                let cut = finish == "length" ? " (the answer was cut at the output limit)" : ""
                rows[index].withheld = RowFailure(type: "schema_mismatch", message: problem + cut, status: 200, sendAgain: true)
            }
        }
    }
}

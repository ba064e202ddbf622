import Foundation
import PromptmillTokenizer

/// A 200 answer of any endpoint, mapped back onto the rows that were sent: each row's
/// typed answer, and the request's usage.
struct APIResponse: Sendable {
    struct RowAnswer: Sendable {
        var answer: Answer
        /// What the row's share of the completion tokens is weighed by.
        var completionWeight: Int
    }

    var rows: [RowAnswer]
    var usage: TokenUsage

    /// Answers are matched to rows by their `index`, never by position: an answer that does
    /// not cover every row exactly is refused (a wrong record is worse than a retry).
    static func parse(
        _ body: [UInt8], endpoint: Endpoint, rowCount: Int, choicesPerPrompt n: Int,
        tokenizer: Tokenizer
    ) throws(ResponseError) -> APIResponse {
        switch endpoint {
        case .completions:
            let answer = try CompletionsResponse.parse(body, promptCount: rowCount, choicesPerPrompt: n)
            let rows = answer.choices.map { choices in
                RowAnswer(
                    answer: Answer(
                        output: choices.count == 1 ? .text(choices[0].text) : .choices(choices.map { .text($0.text) }),
                        finishReasons: choices.map(\.finishReason)),
                    completionWeight: choices.reduce(0) { $0 + tokenizer.count($1.text) })
            }
            return APIResponse(rows: rows, usage: answer.usage)
        case .chat:
            return try chat(try object(body), choicesPerPrompt: n)
        case .embeddings:
            return try embeddings(try object(body), rowCount: rowCount)
        case .moderations:
            return try moderations(try object(body), rowCount: rowCount)
        }
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
    /// no text content, as with tool calls).
    private static func chat(_ object: JSONObject, choicesPerPrompt n: Int) throws(ResponseError) -> APIResponse {
        guard case .array(let rawChoices)? = object["choices"] else { throw .malformed("the body has no choices array") }
        var slots = [(output: Answer.Output, finish: String?)?](repeating: nil, count: n)
        for raw in rawChoices {
            guard case .object(let choice) = raw, case .number(let indexText)? = choice["index"], let index = Int(indexText) else {
                throw .malformed("a choice has no integer index")
            }
            guard slots.indices.contains(index) else { throw .choicesMismatch("choice index \(index) is outside the \(n) completions asked for") }
            guard slots[index] == nil else { throw .choicesMismatch("choice index \(index) appears twice") }
            guard case .object(let message)? = choice["message"] else { throw .malformed("choice \(index) has no message") }
            var finish: String?
            if case .string(let reason)? = choice["finish_reason"] { finish = reason }
            if case .string(let content)? = message["content"] {
                slots[index] = (.text(content), finish)
            } else {
                slots[index] = (.object(message), finish)
            }
        }
        if let missing = slots.firstIndex(where: { $0 == nil }) {
            throw .choicesMismatch("\(rawChoices.count) choices for \(n) expected; index \(missing) is missing")
        }
        let choices = slots.map { $0! }
        let answer = Answer(output: n == 1 ? choices[0].output : .choices(choices.map(\.output)), finishReasons: choices.map(\.finish))
        return APIResponse(
            rows: [RowAnswer(answer: answer, completionWeight: 1)],
            usage: try CompletionsResponse.usage(object))
    }

    /// `data[i].embedding` by `index`: a list of numbers, or base64 of little-endian float32
    /// (`encoding_format: base64`), decoded so the record always holds numbers.
    private static func embeddings(_ object: JSONObject, rowCount: Int) throws(ResponseError) -> APIResponse {
        guard case .array(let data)? = object["data"] else { throw .malformed("the body has no data array") }
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
            usage: try CompletionsResponse.usage(object))
    }

    /// `results[i]` in the order of the inputs (moderation results carry no index).
    private static func moderations(_ object: JSONObject, rowCount: Int) throws(ResponseError) -> APIResponse {
        guard case .array(let results)? = object["results"] else { throw .malformed("the body has no results array") }
        guard results.count == rowCount else { throw .choicesMismatch("\(results.count) moderation results for \(rowCount) inputs") }
        var rows: [RowAnswer] = []
        for (index, result) in results.enumerated() {
            guard case .object(let object) = result else { throw .malformed("moderation result \(index) is not an object") }
            rows.append(RowAnswer(answer: Answer(output: .object(object), finishReasons: []), completionWeight: 0))
        }
        // Moderations are free and report no usage.
        let usage = (try? CompletionsResponse.usage(object)) ?? .zero
        return APIResponse(rows: rows, usage: usage)
    }
}

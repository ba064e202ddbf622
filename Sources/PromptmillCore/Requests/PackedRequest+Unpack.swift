import PromptmillTokenizer

extension PackedRequest {
    /// Maps a packed answer back onto its rows. `answer`: the request's one answer, as the
    /// endpoint's parser read it.
    static func unpack(
        _ answer: APIResponse.RowAnswer, rows: [PreparedRow], structured: StructuredOutput?, tokenizer: Tokenizer
    ) -> [APIResponse.RowAnswer] {
        func allAgain(_ type: String, _ message: String) -> [APIResponse.RowAnswer] {
            rows.map { _ in
                APIResponse.RowAnswer(
                    answer: answer.answer, completionWeight: 1,
                    withheld: RowFailure(type: type, message: message, status: 200, sendAgain: true))
            }
        }
        if let withheld = answer.withheld {
            // Alone, a refusal or a filtered answer is the row's own; among others, any of
            // them may have caused it.
            if rows.count == 1 { return [answer] }
            return allAgain(withheld.type, withheld.message + " (in a request of \(rows.count) packed rows)")
        }
        guard case .text(let text) = answer.answer.output else { return allAgain("schema_mismatch", "the packed answer has no text") }
        let parsed: JSONValue
        do {
            parsed = try Array(text.utf8).withUnsafeBytes { bytes throws(JSONParseError) in try JSONParser.parse(bytes) }
        } catch {
            let finish = answer.answer.finishReasons.first ?? nil
            let cut = finish == "length" ? " (cut at the output limit)" : ""
            return allAgain("schema_mismatch", "the packed answer is not valid JSON\(cut): \(error)")
        }
        guard case .object(let root) = parsed, case .array(let items)? = root["answers"] else {
            return allAgain("schema_mismatch", "the packed answer has no answers array")
        }
        var found = [[JSONObject]](repeating: [], count: rows.count)
        for item in items {
            guard case .object(let fields) = item, case .number(let indexText)? = fields["i"], let index = Int(indexText),
                found.indices.contains(index)
            else { continue }
            found[index].append(fields)
        }
        let itemShape = shape(structured)
        let finish = answer.answer.finishReasons.first ?? "stop"
        return rows.indices.map { index in
            let again = { (message: String) in
                APIResponse.RowAnswer(
                    answer: answer.answer, completionWeight: 0,
                    withheld: RowFailure(type: "schema_mismatch", message: message, status: 200, sendAgain: true))
            }
            guard found[index].count == 1, let fields = found[index].first else {
                return again(
                    found[index].isEmpty
                        ? "the packed answer has no item for this row (i: \(index))"
                        : "the packed answer has \(found[index].count) items for this row (i: \(index))")
            }
            var own = JSONObject()
            for (key, value) in zip(fields.keys, fields.values) where key != "i" { own.append(key, value) }
            let value: JSONValue
            let rowText: String
            switch itemShape {
            case .text:
                guard case .string(let output)? = own["output"], own.count == 1 else {
                    return again("the packed answer's item for this row has no output text")
                }
                value = .string(output)
                rowText = output
            case .merged:
                value = .object(own)
                rowText = compact(value)
            case .wrapped:
                guard let inner = own["answer"], own.count == 1 else { return again("the packed answer's item for this row has no answer") }
                value = inner
                rowText = compact(inner)
            }
            if let structured, let problem = structured.check(value) { return again(problem) }
            return APIResponse.RowAnswer(
                answer: Answer(output: .text(rowText), finishReasons: [finish]), completionWeight: max(1, tokenizer.count(compact(.object(fields)))),
                withheld: nil)
        }
    }

    static func compact(_ value: JSONValue) -> String {
        var writer = JSONWriter()
        writer.value(value)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

import PromptmillTokenizer

/// A Responses API answer (`POST /v1/responses`, platform.openai.com/docs/api-reference/responses/object)
/// read into one row's answer.
///
/// `output` is a list of items; the answer's text is every `output_text` part of its
/// `message` items, joined. `reasoning` items carry no text the record keeps (their tokens
/// are in `usage.output_tokens_details.reasoning_tokens`). A `refusal` part withholds the
/// answer. `status: "incomplete"` is `length` (`incomplete_details.reason:
/// "max_output_tokens"`) or `content_filter`; `status: "failed"` is the error it carries.
enum ResponsesResponse {
    static func parse(_ object: JSONObject, tokenizer: Tokenizer) throws(ResponseError) -> APIResponse {
        var status = "completed"
        if case .string(let text)? = object["status"] { status = text }
        if status == "failed" || status == "cancelled" {
            // APIErrorBody.embedded reads the error it carries; this only says why the body
            // is not an answer.
            throw .malformed("the response's status is \(status)")
        }
        guard case .array(let items)? = object["output"] else { throw .malformed("the body has no output array") }
        var text = ""
        var sawText = false
        var refusal: String?
        for item in items {
            guard case .object(let fields) = item, case .string(let type)? = fields["type"], type == "message",
                case .array(let parts)? = fields["content"]
            else { continue }
            for part in parts {
                guard case .object(let partFields) = part, case .string(let partType)? = partFields["type"] else { continue }
                if partType == "output_text", case .string(let partText)? = partFields["text"] {
                    text += partText
                    sawText = true
                } else if partType == "refusal", case .string(let refusalText)? = partFields["refusal"] {
                    refusal = (refusal.map { $0 + " " } ?? "") + refusalText
                }
            }
        }
        var finish = "stop"
        if status == "incomplete" {
            var reason = ""
            if case .object(let details)? = object["incomplete_details"], case .string(let written)? = details["reason"] {
                reason = written
            }
            finish = reason == "content_filter" ? "content_filter" : "length"
        }
        if !sawText, refusal == nil, finish == "stop" {
            throw .empty("the response has no output text (status \(status))")
        }
        let answer = Answer(output: .text(text), finishReasons: [finish])
        let withheld = ContentFilter.withheld([(finish, text.isEmpty ? nil : text, refusal)])
        return APIResponse(
            rows: [APIResponse.RowAnswer(answer: answer, completionWeight: tokenizer.count(text), withheld: withheld)],
            usage: .zero)
    }
}

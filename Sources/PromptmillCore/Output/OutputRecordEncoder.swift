/// Writes one output record per the contract, as one line of JSON:
/// `{"id","input","output","finish_reason","usage","cost_usd","cached","attempts","error"}`.
enum OutputRecordEncoder {
    static func encode(_ result: RowResult, into writer: inout JSONWriter) {
        writer.raw("{")
        writer.key("id")
        writer.string(result.row.id)
        writer.raw(",")
        writer.key("input")
        writer.value(.object(result.row.input))
        switch result.outcome {
        case .completed(let texts, let finishReasons, let usage):
            writer.raw(",")
            writer.key("output")
            if texts.count == 1 {
                writer.string(texts[0])
            } else {
                writer.value(.array(texts.map(JSONValue.string)))
            }
            writer.raw(",")
            writer.key("finish_reason")
            if finishReasons.count == 1 {
                optionalString(finishReasons[0], into: &writer)
            } else {
                writer.raw("[")
                for (index, reason) in finishReasons.enumerated() {
                    if index > 0 { writer.raw(",") }
                    optionalString(reason, into: &writer)
                }
                writer.raw("]")
            }
            writer.raw(",")
            writer.key("usage")
            writer.raw("{")
            writer.key("prompt_tokens")
            writer.number(usage.promptTokens)
            writer.raw(",")
            writer.key("completion_tokens")
            writer.number(usage.completionTokens)
            writer.raw("}")
        case .failed:
            writer.raw(",\"output\":null,\"finish_reason\":null,\"usage\":null")
        }
        // Cost arrives with cost accounting and the cache with resumable jobs: until then
        // the record says so honestly instead of guessing.
        writer.raw(",\"cost_usd\":null,\"cached\":false,")
        writer.key("attempts")
        writer.number(result.attempts)
        writer.raw(",")
        writer.key("error")
        if case .failed(let failure) = result.outcome {
            writer.raw("{")
            writer.key("type")
            writer.string(failure.type)
            writer.raw(",")
            writer.key("message")
            writer.string(failure.message)
            writer.raw(",")
            writer.key("status")
            if let status = failure.status { writer.number(status) } else { writer.null() }
            writer.raw("}")
        } else {
            writer.null()
        }
        writer.raw("}\n")
    }

    private static func optionalString(_ value: String?, into writer: inout JSONWriter) {
        if let value { writer.string(value) } else { writer.null() }
    }
}

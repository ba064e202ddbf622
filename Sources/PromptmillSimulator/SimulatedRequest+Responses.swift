import Foundation
import PromptmillCore

/// `POST /v1/responses` answered as OpenAI's Response object
/// (platform.openai.com/docs/api-reference/responses/object).
extension SimulatedRequest {
    /// Reasoning tokens per effort step; `none` has no reasoning item at all.
    static let effortSteps: [String: Int] = ["none": 0, "minimal": 0, "low": 1, "medium": 2, "high": 4, "xhigh": 6]

    /// A reasoning model's hidden tokens: `(64 + input / 4)` per effort step (medium: 2).
    var reasoningTokens: Int {
        (Self.effortSteps[reasoningEffort ?? "medium"] ?? 2) * (64 + promptTokens[0] / 4)
    }

    /// `reasoning.effort` (responses) or `reasoning_effort` (chat), as asked.
    var reasoningEffort: String? {
        if case .object(let reasoning)? = object["reasoning"], case .string(let written)? = reasoning["effort"] { return written }
        if case .string(let written)? = object["reasoning_effort"] { return written }
        return nil
    }

    func responsesAnswer(_ engine: SimulatorEngine) -> Answer {
        let reasons = engine.catalog?.info(for: model)?.reasons ?? false
        let pack = self.pack
        let fault = engine.answerFault(structured: format.isJSON, packed: pack != nil)
        var text: String?
        var refusal: String?
        switch (fault, format) {
        case (.refusal?, _): refusal = Self.refusalText
        case (_, .text): text = AnswerRules.text(for: texts[0], choice: 0).trimmingCharacters(in: .whitespaces)
        case (_, .jsonObject):
            let json = StructuredAnswer.compact(StructuredAnswer.object(for: texts[0]))
            if case .schemaViolation(let draw)? = fault { text = Self.notJSON(json, draw: draw) } else { text = json }
        case (_, .jsonSchema(_, let schema, _)): text = schemaText(schema, pack: pack, choice: 0, fault: fault, engine: engine)
        }
        var reasoning = reasons && reasoningEffort != "none" ? reasoningTokens : 0
        var incomplete = false
        if fault == .incomplete, let whole = text {
            text = cut(whole, toTokens: engine.counter.count(whole, model) / 2, engine: engine)
            incomplete = true
        }
        if let cap = maxTokens {
            if reasoning >= cap {
                reasoning = cap
                if text != nil { text = "" }
                incomplete = true
            } else if let whole = text, engine.counter.count(whole, model) > cap - reasoning {
                text = cut(whole, toTokens: cap - reasoning, engine: engine)
                incomplete = true
            }
        }
        let outputTokens = reasoning + engine.counter.count(text ?? refusal ?? "", model)

        var writer = JSONWriter(capacity: 2048)
        writer.raw("{\"id\":")
        writer.string("resp_sim\(engine.nextID())")
        writer.raw(",\"object\":\"response\",\"created_at\":")
        writer.number(Int(Date().timeIntervalSince1970))
        writer.raw(incomplete ? ",\"status\":\"incomplete\"" : ",\"status\":\"completed\"")
        writer.raw(",\"background\":false,\"error\":null,\"incomplete_details\":")
        writer.raw(incomplete ? "{\"reason\":\"max_output_tokens\"}" : "null")
        writer.raw(",\"instructions\":")
        writer.value(object["instructions"] ?? .null)
        writer.raw(",\"max_output_tokens\":")
        writer.value(object["max_output_tokens"] ?? .null)
        writer.raw(",\"model\":")
        writer.string(model)
        writer.raw(",\"output\":[")
        if reasons, reasoningEffort != "none" {
            writer.raw("{\"type\":\"reasoning\",\"id\":")
            writer.string("rs_sim\(engine.nextID())")
            writer.raw(",\"summary\":[]}")
        }
        if refusal != nil || !(text ?? "").isEmpty {
            if reasons, reasoningEffort != "none" { writer.raw(",") }
            writer.raw("{\"type\":\"message\",\"id\":")
            writer.string("msg_sim\(engine.nextID())")
            writer.raw(incomplete ? ",\"status\":\"incomplete\"" : ",\"status\":\"completed\"")
            writer.raw(",\"role\":\"assistant\",\"content\":[")
            if let refusal {
                writer.raw("{\"type\":\"refusal\",\"refusal\":")
                writer.string(refusal)
            } else {
                writer.raw("{\"type\":\"output_text\",\"text\":")
                writer.string(text ?? "")
                writer.raw(",\"annotations\":[],\"logprobs\":[]")
            }
            writer.raw("}]}")
        }
        writer.raw("]")
        echoSettings(&writer, reasons: reasons)
        usage(&writer, reasoning: reasoning, output: outputTokens, engine: engine)
        return Answer(body: writer.bytes, promptTokens: promptTokens[0], completionTokens: outputTokens)
    }

    /// The request's settings as a Response echoes them, defaults filled in (a reasoning
    /// model's effort is `medium` unless asked otherwise).
    private func echoSettings(_ writer: inout JSONWriter, reasons: Bool) {
        let echoed: [(key: String, fallback: JSONValue)] = [
            ("metadata", .object(JSONObject())), ("parallel_tool_calls", .bool(true)), ("previous_response_id", .null),
            ("prompt_cache_key", .null), ("safety_identifier", .null),
        ]
        for (key, fallback) in echoed {
            writer.raw(",")
            writer.key(key)
            writer.value(object[key] ?? fallback)
        }
        writer.raw(",\"reasoning\":{\"effort\":")
        writer.value((reasoningEffort ?? (reasons ? "medium" : nil)).map(JSONValue.string) ?? .null)
        writer.raw(",\"summary\":null},\"service_tier\":")
        writer.string(serviceTier)
        writer.raw(",\"store\":")
        writer.value(object["store"] ?? .bool(true))
        writer.raw(",\"temperature\":")
        writer.value(object["temperature"] ?? .number("1.0"))
        writer.raw(",\"text\":{\"format\":")
        var format: JSONValue = .object(JSONObject(keys: ["type"], values: [.string("text")]))
        var verbosity: JSONValue = .string("medium")
        if case .object(let text)? = object["text"] {
            format = text["format"] ?? format
            verbosity = text["verbosity"] ?? verbosity
        }
        writer.value(format)
        writer.raw(",\"verbosity\":")
        writer.value(verbosity)
        writer.raw("},\"tool_choice\":")
        writer.value(object["tool_choice"] ?? .string("auto"))
        writer.raw(",\"tools\":")
        writer.value(object["tools"] ?? .array([]))
        writer.raw(",\"top_p\":")
        writer.value(object["top_p"] ?? .number("1.0"))
        writer.raw(",\"truncation\":")
        writer.value(object["truncation"] ?? .string("disabled"))
        writer.raw(",\"user\":")
        writer.value(object["user"] ?? .null)
    }

    /// `usage` with its details: cached and cache-write tokens within the input, reasoning
    /// tokens within the output.
    private func usage(_ writer: inout JSONWriter, reasoning: Int, output: Int, engine: SimulatorEngine) {
        var cache = (cached: 0, written: 0)
        if engine.configuration.promptCaching {
            let messages = chatMessages.map { (role: $0.role, content: $0.content) }
            let prefixes = messages.indices.map { end in
                end == messages.count - 1 ? promptTokens[0] : engine.counter.chat(Array(chatMessages[...end]), model) - 3
            }
            var key = ""
            if case .string(let written)? = object["prompt_cache_key"] { key = written }
            cache = engine.promptCacheUsage(key: key, model: model, messages: messages, prefixTokens: prefixes) ?? cache
        }
        writer.raw(",\"usage\":{\"input_tokens\":")
        writer.number(promptTokens[0])
        writer.raw(",\"input_tokens_details\":{\"cached_tokens\":")
        writer.number(cache.cached)
        writer.raw(",\"cache_write_tokens\":")
        writer.number(cache.written)
        writer.raw("},\"output_tokens\":")
        writer.number(output)
        writer.raw(",\"output_tokens_details\":{\"reasoning_tokens\":")
        writer.number(reasoning)
        writer.raw("},\"total_tokens\":")
        writer.number(promptTokens[0] + output)
        writer.raw("}}")
    }
}

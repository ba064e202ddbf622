import Foundation
import PromptmillCore

extension SimulatedRequest {
    struct Answer {
        var body: [UInt8]
        var promptTokens: Int
        var completionTokens: Int
    }

    func answer(engine: SimulatorEngine) -> Answer {
        switch endpoint {
        case .completions: completionsAnswer(engine)
        case .chat: chatAnswer(engine)
        case .embeddings: embeddingsAnswer(engine)
        case .moderations: moderationsAnswer(engine)
        case .responses: responsesAnswer(engine)
        }
    }

    /// A generated text cut to `max_tokens` and at the first stop sequence.
    func generate(_ prompt: String, choice: Int, engine: SimulatorEngine) -> (text: String, finish: String, tokens: Int) {
        var text = AnswerRules.text(for: prompt, choice: choice)
        var finish = "stop"
        if let limit = maxTokens, engine.counter.count(text, model) > limit {
            var kept = ""
            var rest = Substring(text)
            while let next = rest.dropFirst().firstIndex(of: " ") ?? (rest.isEmpty ? nil : rest.endIndex) {
                let candidate = kept + rest[..<next]
                if engine.counter.count(candidate, model) > limit { break }
                kept = candidate
                rest = rest[next...]
            }
            text = kept
            finish = "length"
        }
        for stop in stops where !stop.isEmpty {
            if let range = text.range(of: stop) {
                text = String(text[..<range.lowerBound])
                finish = "stop"
            }
        }
        return (text, finish, engine.counter.count(text, model))
    }

    private func header(_ writer: inout JSONWriter, prefix: String, object: String, engine: SimulatorEngine) {
        writer.raw("{\"id\":")
        writer.string("\(prefix)-sim\(engine.nextID())")
        writer.raw(",\"object\":")
        writer.string(object)
        writer.raw(",\"created\":")
        writer.number(Int(Date().timeIntervalSince1970))
        writer.raw(",\"model\":")
        writer.string(model)
    }

    private func usage(_ writer: inout JSONWriter, prompt: Int, completion: Int?, cached: Int? = nil, reasoning: Int = 0) {
        writer.raw(",\"usage\":{\"prompt_tokens\":")
        writer.number(prompt)
        if let completion {
            writer.raw(",\"completion_tokens\":")
            writer.number(completion)
        }
        if let cached {
            writer.raw(",\"prompt_tokens_details\":{\"cached_tokens\":")
            writer.number(cached)
            writer.raw("}")
        }
        if reasoning > 0 {
            writer.raw(",\"completion_tokens_details\":{\"reasoning_tokens\":")
            writer.number(reasoning)
            writer.raw("}")
        }
        writer.raw(",\"total_tokens\":")
        writer.number(prompt + (completion ?? 0))
        writer.raw("}}")
    }

    private func completionsAnswer(_ engine: SimulatorEngine) -> Answer {
        // best_of candidates are generated (and billed); the first n of each prompt are returned.
        var made: [(index: Int, text: String, finish: String)] = []
        var completionTokens = 0
        let echo = object["echo"] == .bool(true)
        for (promptIndex, prompt) in texts.enumerated() {
            for candidate in 0..<generated {
                let generatedText = generate(prompt, choice: candidate, engine: engine)
                completionTokens += generatedText.tokens
                if candidate < choices {
                    made.append((promptIndex * choices + candidate, (echo ? prompt : "") + generatedText.text, generatedText.finish))
                }
            }
        }
        let order = engine.configuration.shuffleChoices ? engine.shuffledOrder(made.count) : Array(made.indices)
        var writer = JSONWriter(capacity: 1024)
        header(&writer, prefix: "cmpl", object: "text_completion", engine: engine)
        writer.raw(",\"choices\":[")
        for (position, index) in order.enumerated() {
            if position > 0 { writer.raw(",") }
            writer.raw("{\"text\":")
            writer.string(made[index].text)
            writer.raw(",\"index\":")
            writer.number(made[index].index)
            writer.raw(",\"logprobs\":null,\"finish_reason\":")
            writer.string(made[index].finish)
            writer.raw("}")
        }
        writer.raw("]")
        let prompt = promptTokens.reduce(0, +)
        usage(&writer, prompt: prompt, completion: completionTokens, cached: engine.cachedPromptTokens(texts, promptTokens))
        return Answer(body: writer.bytes, promptTokens: prompt, completionTokens: completionTokens)
    }

    private func chatAnswer(_ engine: SimulatorEngine) -> Answer {
        var writer = JSONWriter(capacity: 1024)
        header(&writer, prefix: "chatcmpl", object: "chat.completion", engine: engine)
        writer.raw(",\"choices\":[")
        var completionTokens = 0
        var reasoningTokens = 0
        // A reasoning model thinks before each choice, within max_completion_tokens.
        let thinking = (engine.catalog?.info(for: model)?.reasons ?? false) && reasoningEffort != "none" ? self.reasoningTokens : 0
        let pack = self.pack
        let fault = engine.answerFault(structured: format.isJSON, packed: pack != nil)
        let order = engine.configuration.shuffleChoices ? engine.shuffledOrder(choices) : Array(0..<choices)
        for (position, index) in order.enumerated() {
            var generatedText = generate(texts[0], choice: index, engine: engine)
            switch format {
            case .text: break
            case .jsonObject:
                var json = JSONWriter()
                json.raw("{\"answer\":")
                json.string(generatedText.text.trimmingCharacters(in: .whitespaces))
                json.raw("}")
                generatedText.text = String(decoding: json.bytes, as: UTF8.self)
                if case .schemaViolation(let draw)? = fault { generatedText.text = Self.notJSON(generatedText.text, draw: draw) }
            case .jsonSchema(_, let schema, _):
                let whole = schemaText(schema, pack: pack, choice: index, fault: fault, engine: engine)
                generatedText.text = maxTokens.map { cut(whole, toTokens: $0, engine: engine) } ?? whole
                generatedText.finish = generatedText.text == whole ? "stop" : "length"
            }
            if fault == .incomplete {
                generatedText.text = cut(generatedText.text, toTokens: engine.counter.count(generatedText.text, model) / 2, engine: engine)
                generatedText.finish = "length"
            }
            var thought = thinking
            if thinking > 0, let cap = maxTokens {
                if thinking >= cap {
                    (thought, generatedText.text, generatedText.finish) = (cap, "", "length")
                } else if engine.counter.count(generatedText.text, model) > cap - thinking {
                    generatedText.text = cut(generatedText.text, toTokens: cap - thinking, engine: engine)
                    generatedText.finish = "length"
                }
            }
            reasoningTokens += thought
            let refused = fault == .refusal
            let content = refused ? Self.refusalText : generatedText.text.trimmingCharacters(in: .whitespaces)
            // The untrimmed text's tokens, as OpenAI counts the leading space it generated.
            completionTokens += thought + engine.counter.count(refused ? content : generatedText.text, model)
            if position > 0 { writer.raw(",") }
            writer.raw("{\"index\":")
            writer.number(index)
            writer.raw(",\"message\":{\"role\":\"assistant\",\"content\":")
            if refused { writer.raw("null") } else { writer.string(content) }
            writer.raw(",\"refusal\":")
            if refused { writer.string(content) } else { writer.raw("null") }
            writer.raw("},\"logprobs\":null,\"finish_reason\":")
            writer.string(refused ? "stop" : generatedText.finish)
            writer.raw("}")
        }
        writer.raw("],\"service_tier\":")
        writer.string(serviceTier)
        writer.raw(",\"system_fingerprint\":\"fp_simulator\"")
        usage(
            &writer, prompt: promptTokens[0], completion: completionTokens,
            cached: engine.cachedPromptTokens([texts.joined(separator: "\u{0}")], promptTokens) ?? 0, reasoning: reasoningTokens)
        return Answer(body: writer.bytes, promptTokens: promptTokens[0], completionTokens: completionTokens)
    }

    private func embeddingsAnswer(_ engine: SimulatorEngine) -> Answer {
        let dimensions = RequestParameters.integer(object["dimensions"]) ?? (model.contains("large") ? 3072 : 1536)
        let base64 = object["encoding_format"] == .string("base64")
        var writer = JSONWriter(capacity: texts.count * dimensions * 12 + 256)
        writer.raw("{\"object\":\"list\",\"data\":[")
        for (index, text) in texts.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw("{\"object\":\"embedding\",\"index\":")
            writer.number(index)
            writer.raw(",\"embedding\":")
            let vector = Self.vector(for: text, dimensions: dimensions)
            if base64 {
                var bytes: [UInt8] = []
                bytes.reserveCapacity(dimensions * 4)
                for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
                writer.string(Data(bytes).base64EncodedString())
            } else {
                writer.raw("[")
                for (position, value) in vector.enumerated() {
                    if position > 0 { writer.raw(",") }
                    writer.raw(String(value))
                }
                writer.raw("]")
            }
            writer.raw("}")
        }
        writer.raw("],\"model\":")
        writer.string(model)
        let prompt = promptTokens.reduce(0, +)
        usage(&writer, prompt: prompt, completion: nil)
        return Answer(body: writer.bytes, promptTokens: prompt, completionTokens: 0)
    }

    /// A unit vector derived from the text: equal texts, equal vectors.
    static func vector(for text: String, dimensions: Int) -> [Float] {
        var state = AnswerRules.hash(text)
        var values = (0..<dimensions).map { _ in Float(Double(AnswerRules.next(&state) >> 11) / Double(1 << 53) - 0.5) }
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > 0 { values = values.map { $0 / norm } }
        return values
    }

    static let moderationCategories: [(name: String, words: [String])] = [
        ("sexual", []), ("sexual/minors", []), ("harassment", ["idiot", "stupid", "loser"]), ("harassment/threatening", ["hunt you"]),
        ("hate", ["hate"]), ("hate/threatening", []), ("illicit", ["steal", "counterfeit"]), ("illicit/violent", []),
        ("self-harm", ["suicide", "hurt myself"]), ("self-harm/intent", ["hurt myself"]), ("self-harm/instructions", []),
        ("violence", ["kill", "murder", "attack"]), ("violence/graphic", ["gore"]),
    ]

    private func moderationsAnswer(_ engine: SimulatorEngine) -> Answer {
        var writer = JSONWriter(capacity: 1024)
        writer.raw("{\"id\":")
        writer.string("modr-sim\(engine.nextID())")
        writer.raw(",\"model\":")
        writer.string(model)
        writer.raw(",\"results\":[")
        for (index, text) in texts.enumerated() {
            let lowered = text.lowercased()
            let hits = Self.moderationCategories.map { category in category.words.contains { lowered.contains($0) } }
            if index > 0 { writer.raw(",") }
            writer.raw("{\"flagged\":")
            writer.bool(hits.contains(true))
            writer.raw(",\"categories\":{")
            for (position, category) in Self.moderationCategories.enumerated() {
                if position > 0 { writer.raw(",") }
                writer.key(category.name)
                writer.bool(hits[position])
            }
            writer.raw("},\"category_scores\":{")
            for (position, category) in Self.moderationCategories.enumerated() {
                if position > 0 { writer.raw(",") }
                writer.key(category.name)
                writer.raw(hits[position] ? "0.91" : "0.0004")
            }
            writer.raw("}}")
        }
        writer.raw("]}")
        // Moderations report no usage and are not billed: nothing to count.
        return Answer(body: writer.bytes, promptTokens: 0, completionTokens: 0)
    }
}

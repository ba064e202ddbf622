import Foundation
import PromptmillCore
import PromptmillSimulator
import Testing

/// Structured outputs on responses and chat: answers that conform, packed answers equal to
/// unpacked ones, and the switches that make answers break, refuse or stop.
@Suite struct StructuredOutputTests {
    static let schemaText = """
        {"type":"object","properties":{
          "sentiment":{"type":"string","enum":["positive","negative","neutral"]},
          "confidence":{"type":"number","minimum":0,"maximum":1},
          "stars":{"type":"integer","minimum":1,"maximum":5},
          "tags":{"type":"array","items":{"type":"string","maxLength":12},"maxItems":3},
          "product":{"$ref":"#/$defs/product"},
          "note":{"anyOf":[{"type":"string"},{"type":"null"}]},
          "seen":{"type":"string","format":"date"},
          "color":{"type":"string","enum":["red","green","blue"]}},
         "required":["sentiment","confidence","stars","tags","product","note","seen","color"],"additionalProperties":false,
         "$defs":{"product":{"type":"object","properties":{"name":{"type":"string"},"id":{"type":"integer","exclusiveMinimum":0}},
           "required":["name","id"],"additionalProperties":false}}}
        """
    static let reviews = (0..<12).map { index in
        ["Review: I love it, great kettle", "Review: it broke, awful", "Review: it is a kettle"][index % 3] + " (\(index))\nSentiment:"
    }

    static func responsesBody(_ input: String, schema: String, name: String = "review", strict: Bool = true) -> String {
        #"{"model":"gpt-4.1-mini","input":\#(SimulatorClient.json(.string(input))),"text":{"format":{"type":"json_schema","name":"\#(name)","strict":\#(strict),"schema":\#(schema)}}}"#
    }

    static func value(_ text: String?) -> JSONValue? {
        text.flatMap { try? SimulatorClient.parse($0) }
    }

    /// A json_schema answer (responses and chat) is compact JSON that conforms to its schema,
    /// with the properties in the schema's order and the sentiment enum by the text's words;
    /// the same text gets the same answer on both endpoints.
    @Test func jsonSchemaAnswersConform() async throws {
        let schema = try SimulatorClient.parse(Self.schemaText)
        let checker = try JSONSchema(schema)
        let client = try await SimulatorClient.started()
        var colors: Set<String> = []
        for (index, review) in Self.reviews.enumerated() {
            let answer = try await client.post("/responses", Self.responsesBody(review, schema: Self.schemaText))
            let chat = try await client.post(
                "/chat/completions",
                #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":\#(SimulatorClient.json(.string(review)))}],"response_format":{"type":"json_schema","json_schema":{"name":"review","strict":true,"schema":\#(Self.schemaText)}}}"#
            )
            let chatText = chat.body.array("choices").first?.object?.object("message").string("content")
            guard let text = answer.outputText, let value = Self.value(text) else {
                Issue.record("not JSON: \(answer.outputText ?? "nothing")")
                continue
            }
            #expect(checker.firstViolation(of: value) == nil, "\(text)")
            #expect(text == SimulatorClient.json(value))
            #expect(value.object?.keys == ["sentiment", "confidence", "stars", "tags", "product", "note", "seen", "color"])
            #expect(value.object?["sentiment"] == .string(["positive", "negative", "neutral"][index % 3]))
            #expect(chatText == text)
            colors.insert(value.object?.string("color") ?? "")
        }
        let jsonObject = try await client.post(
            "/responses", #"{"model":"gpt-4.1-mini","input":"json please","text":{"format":{"type":"json_object"}}}"#)
        await client.stop()
        #expect(colors.count > 1)
        #expect(Self.value(jsonObject.outputText)?.object != nil)
    }

    /// A strict schema that breaks OpenAI's rules is refused as OpenAI refuses it.
    @Test func strictSchemaWithoutAdditionalPropertiesFalseIsRefused() async throws {
        let client = try await SimulatorClient.started()
        let answer = try await client.post(
            "/responses", Self.responsesBody("x", schema: #"{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}"#))
        let missing = try await client.post(
            "/responses",
            Self.responsesBody("x", schema: #"{"type":"object","properties":{"a":{"type":"string"}},"required":[],"additionalProperties":false}"#))
        await client.stop()
        #expect(answer.status == 400)
        #expect(
            answer.body.object("error").string("message")
                == "Invalid schema for response_format 'review': In context=(), 'additionalProperties' is required to be supplied and to be false.")
        #expect(
            missing.body.object("error").string("message")
                == "Invalid schema for response_format 'review': In context=(), 'required' is required to be supplied and to be an array including every key in properties. Missing 'a'."
        )
    }

    /// The `promptmill_pack` schema with ITEM = `{"i": integer, ...properties}`.
    static func packSchema(_ properties: String, required: String) -> String {
        #"{"type":"object","properties":{"answers":{"type":"array","items":{"type":"object","properties":{"i":{"type":"integer"},\#(properties)},"required":["i",\#(required)],"additionalProperties":false}}},"required":["answers"],"additionalProperties":false}"#
    }

    static func packInput(_ texts: [String]) -> String {
        let items = texts.enumerated().map {
            JSONValue.object(JSONObject(keys: ["i", "input"], values: [.number(String($0.offset)), .string($0.element)]))
        }
        return SimulatorClient.json(.object(JSONObject(keys: ["items"], values: [.array(items)])))
    }

    /// A packed request's items, less `i`, equal the answers the rows get alone: with the
    /// item's properties as the schema, and with a lone `output` string as a plain request.
    @Test func packedItemsEqualUnpackedAnswers() async throws {
        let client = try await SimulatorClient.started()
        let schema = try SimulatorClient.parse(Self.schemaText)
        guard case .object(let root) = schema else { return }
        let properties = String(SimulatorClient.json(root["properties"]!).dropFirst().dropLast())
        let required = String(SimulatorClient.json(root["required"]!).dropFirst().dropLast())
        let pack = Self.packSchema(properties, required: required).replacingOccurrences(
            of: #""required":["answers"],"#, with: #""required":["answers"],"$defs":\#(SimulatorClient.json(root["$defs"]!)),"#)
        let packed = try await client.post("/responses", Self.responsesBody(Self.packInput(Self.reviews), schema: pack, name: "promptmill_pack"))
        let textPack = try await client.post(
            "/responses",
            Self.responsesBody(
                Self.packInput(Self.reviews), schema: Self.packSchema(#""output":{"type":"string"}"#, required: #""output""#), name: "promptmill_pack"
            ))
        var alone: [JSONValue] = []
        var plain: [String] = []
        for review in Self.reviews {
            alone.append(Self.value(try await client.post("/responses", Self.responsesBody(review, schema: Self.schemaText)).outputText) ?? .null)
            let body = #"{"model":"gpt-4.1-mini","input":\#(SimulatorClient.json(.string(review)))}"#
            plain.append(try await client.post("/responses", body).outputText ?? "")
        }
        await client.stop()
        #expect(packed.status == 200 && textPack.status == 200)
        let items = Self.value(packed.outputText)?.object?.array("answers").compactMap(\.object) ?? []
        #expect(items.map { $0["i"] } == Self.reviews.indices.map { .number(String($0)) })
        let unpackedItems = items.map { item in
            JSONValue.object(JSONObject(keys: item.keys.filter { $0 != "i" }, values: zip(item.keys, item.values).filter { $0.0 != "i" }.map(\.1)))
        }
        #expect(unpackedItems == alone)
        let outputs = Self.value(textPack.outputText)?.object?.array("answers").compactMap { $0.object?.string("output") }
        #expect(outputs == plain)
    }

    /// Over 300 requests, the refusal and schema-violation switches are met about as often
    /// as asked (the bounds are several standard deviations wide; the seed is fixed); a
    /// refusal is a refusal part, billed.
    @Test func refusalAndViolationRatesAreHonoured() async throws {
        let client = try await SimulatorClient.started {
            $0.refusals = 0.1; $0.schemaViolations = 0.2
        }
        let checker = try JSONSchema(try SimulatorClient.parse(Self.schemaText))
        var refusals = 0
        var broken = 0
        for index in 0..<300 {
            let answer = try await client.post("/responses", Self.responsesBody(Self.reviews[index % 12] + " \(index)", schema: Self.schemaText))
            if let refusal = answer.refusal {
                refusals += 1
                #expect(answer.outputText == nil && (answer.usage.int("output_tokens") ?? 0) > 0 && !refusal.isEmpty)
                continue
            }
            let valid = Self.value(answer.outputText).map { checker.firstViolation(of: $0) == nil } ?? false
            if !valid { broken += 1 }
        }
        await client.stop()
        #expect((12...50).contains(refusals), "\(refusals) refusals of 300 at 0.1")
        #expect((28...85).contains(broken), "\(broken) broken of \(300 - refusals) at 0.2")
    }

    /// In a packed request each item breaks, goes missing or comes twice at the violation
    /// share; the rest are right. Incomplete answers are cut and marked as at the limit.
    @Test func packedViolationsAndIncompleteAnswers() async throws {
        let client = try await SimulatorClient.started {
            $0.schemaViolations = 0.1
        }
        let item = try JSONSchema(
            try SimulatorClient.parse(
                #"{"type":"object","properties":{"i":{"type":"integer"},"sentiment":{"type":"string","enum":["positive","negative","neutral"]}},"required":["i","sentiment"],"additionalProperties":false}"#
            ))
        let pack = Self.packSchema(#""sentiment":{"type":"string","enum":["positive","negative","neutral"]}"#, required: #""sentiment""#)
        var wrong = 0
        for request in 0..<40 {
            let texts = (0..<10).map { Self.reviews[($0 + request) % 12] }
            let answer = try await client.post("/responses", Self.responsesBody(Self.packInput(texts), schema: pack, name: "promptmill_pack"))
            let items = Self.value(answer.outputText)?.object?.array("answers") ?? []
            for index in 0..<10 {
                let matching = items.filter { $0.object?["i"] == .number(String(index)) }
                if matching.count != 1 || item.firstViolation(of: matching[0]) != nil { wrong += 1 }
            }
        }
        await client.stop()
        #expect((12...80).contains(wrong), "\(wrong) wrong items of 400 at 0.1")

        let cutting = try await SimulatorClient.started { $0.incompleteAnswers = 0.5 }
        var incomplete = 0
        for index in 0..<60 {
            let answer = try await cutting.post("/responses", Self.responsesBody(Self.reviews[index % 12], schema: Self.schemaText))
            if answer.body.string("status") == "incomplete" {
                incomplete += 1
                #expect(answer.body.object("incomplete_details").string("reason") == "max_output_tokens")
            }
        }
        let chat = try await cutting.post(
            "/chat/completions", #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}],"n":8}"#)
        await cutting.stop()
        #expect((12...48).contains(incomplete), "\(incomplete) incomplete of 60 at 0.5")
        let finishes = Set(chat.body.array("choices").compactMap { $0.object?.string("finish_reason") })
        #expect(finishes.count == 1, "one draw per request attempt: \(finishes)")
    }
}

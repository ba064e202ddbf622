import Foundation
import PromptmillCore
import PromptmillTesting
import Synchronization
import Testing

/// Structured outputs checked per row, refusals, and many rows per request (`pack`), on the
/// Responses API, against a scripted server on the test clock (real SQLite and gzip).
@Suite struct StructuredOutputTests {
    typealias Job = RowFlowTests.Job

    static let schema = """
        {type: object, properties: {sentiment: {type: string, enum: [positive, negative, neutral]}, \
        score: {type: integer, minimum: 0, maximum: 9}}, required: [sentiment, score], additionalProperties: false}
        """

    static func pipeline(_ extra: String = "", params: String = "max_output_tokens: 50") -> String {
        """
        name: labels
        input: {path: rows.jsonl}
        endpoint: responses
        model: gpt-5-mini
        instructions: Label the review.
        prompt: "Review: {{text}}"
        params: {\(params), text: {format: {type: json_schema, name: label, strict: true, schema: \(schema)}}}
        output: {path: out.jsonl.gz, include: [text]}
        \(extra)
        """
    }

    /// The answer every row should get: from its text alone, whichever way it was sent.
    static func label(_ text: String) -> String {
        "{\"sentiment\":\"\(text.hasPrefix("good") ? "positive" : "negative")\",\"score\":\(text.count % 10)}"
    }

    static func body(_ request: HTTPRequest) -> JSONObject {
        guard case .object(let body)? = try? request.body.withUnsafeBytes({ try JSONParser.parse($0) }) else { return JSONObject() }
        return body
    }

    /// The row text of an unpacked request (`Review: TEXT`).
    static func rowText(_ request: HTTPRequest) -> String {
        guard case .string(let input)? = body(request)["input"] else { return "" }
        return String(input.dropFirst("Review: ".count))
    }

    /// A Responses API answer holding `text`, with usage: 10 input tokens (4 of them cached,
    /// 2 written to the cache) and 7 output tokens, 3 of them reasoning.
    static func answer(_ text: String, refusal: Bool = false) -> ScriptedTransport.Step {
        var writer = JSONWriter()
        writer.string(text)
        let escaped = String(decoding: writer.bytes, as: UTF8.self)
        let part = refusal ? "{\"type\":\"refusal\",\"refusal\":\(escaped)}" : "{\"type\":\"output_text\",\"text\":\(escaped),\"annotations\":[]}"
        return .respond(
            .json(
                200,
                """
                {"id":"resp_1","object":"response","status":"completed","model":"gpt-5-mini","output":[{"type":"reasoning","id":"rs_1","summary":[]},\
                {"type":"message","id":"msg_1","status":"completed","role":"assistant","content":[\(part)]}],"service_tier":"default",\
                "usage":{"input_tokens":10,"input_tokens_details":{"cached_tokens":4,"cache_write_tokens":2},"output_tokens":7,\
                "output_tokens_details":{"reasoning_tokens":3},"total_tokens":17}}
                """))
    }

    static func records(_ records: [JSONObject]) -> [String: JSONObject] {
        var byText: [String: JSONObject] = [:]
        for record in records {
            if case .object(let input)? = record["input"], case .string(let text)? = input["text"] { byText[text] = record }
        }
        return byText
    }

    static func usage(_ record: JSONObject?, _ key: String) -> Int? {
        guard case .object(let usage)? = record?["usage"], case .number(let text)? = usage[key] else { return nil }
        return Int(text)
    }

    /// An answer that is not JSON, or breaks the schema, is sent again once; a row whose
    /// answers keep breaking it ends as `schema_mismatch` naming the violation, carrying the
    /// cost of both answers, and is not in the cache: `--retry-failed` asks for it alone.
    @Test func answersBreakingTheSchemaAreSentAgainThenRecorded() async throws {
        let job = try Job(pipeline: Self.pipeline("budget: {max_usd: 1.0}"), rows: ["good kettle", "bad lid", "good fan"])
        let asked = Mutex<[String: Int]>([:])
        let transport = ScriptedTransport { request, _ in
            let text = Self.rowText(request)
            let time = asked.withLock { counts in
                counts[text, default: 0] += 1
                return counts[text]!
            }
            switch text {
            case "bad lid": return Self.answer("{\"sentiment\":\"maybe\",\"score\":1}")
            case "good fan" where time == 1: return Self.answer("Sure! {\"sentiment\"")
            default: return Self.answer(Self.label(text))
            }
        }
        let (report, records) = try await job.run(transport)
        #expect(report.complete)
        let byText = Self.records(records)
        #expect(byText["good kettle"]?["json"] == .object(JSONObject(keys: ["sentiment", "score"], values: [.string("positive"), .number("1")])))
        #expect(byText["good kettle"]?["output"] == .string(Self.label("good kettle")))
        // Sent twice: both answers are the row's cost.
        #expect(byText["good fan"]?["attempts"] == .number("2"))
        #expect(Self.usage(byText["good fan"], "prompt_tokens") == 20)
        #expect(byText["good fan"]?["json"] != nil)
        guard case .object(let error)? = byText["bad lid"]?["error"] else {
            Issue.record("no error record for the row that broke the schema")
            return
        }
        #expect(error["type"] == .string("schema_mismatch"))
        guard case .string(let message)? = error["message"] else { return }
        #expect(message.contains("$.sentiment"))
        #expect(message.contains("(enum)"))
        #expect(Self.usage(byText["bad lid"], "prompt_tokens") == 20)
        #expect(Self.usage(byText["bad lid"], "completion_tokens") == 14)
        #expect(byText["bad lid"]?["json"] == nil)
        #expect(transport.sent.count == 5)

        // Nothing broken was kept: --retry-failed sends the failed row (once more), and only
        // it; what its two broken answers cost stays the job's: 6 answers paid in all.
        let firstCost = try #require(report.statistics.cost)
        let again = ScriptedTransport { request, _ in Self.answer(Self.label(Self.rowText(request))) }
        let (rerun, rewritten) = try await job.run(
            again, overrides: PipelineOverrides(mockBaseURL: "http://127.0.0.1:1/v1"), options: JobRunner.Options(retryFailed: true))
        #expect(again.sent.map(Self.rowText) == ["bad lid"])
        #expect(Self.records(rewritten)["bad lid"]?["json"] != nil)
        #expect(rewritten.count == 3)
        let oneAnswer = firstCost.picodollars / 5
        #expect(rerun.statistics.cost == Money(picodollars: firstCost.picodollars + oneAnswer))
        #expect(rerun.statistics.usage.promptTokens == 60)
        #expect(rerun.statistics.spent == rerun.statistics.cost)
    }

    /// A refusal is the row's error record of type `refusal` with the model's words and its
    /// cost, never an answer; `max_schema_retries: 0` keeps a broken answer from going again.
    @Test func refusalsAreRecordedAndNotRetried() async throws {
        let job = try Job(pipeline: Self.pipeline("max_schema_retries: 0"), rows: ["good kettle", "bad lid"])
        let transport = ScriptedTransport { request, _ in
            Self.rowText(request) == "bad lid" ? Self.answer("I can't help with that.", refusal: true) : Self.answer("not json")
        }
        let (_, records) = try await job.run(transport)
        let byText = Self.records(records)
        guard case .object(let refusal)? = byText["bad lid"]?["error"], case .object(let broken)? = byText["good kettle"]?["error"] else {
            Issue.record("expected two error records")
            return
        }
        #expect(refusal["type"] == .string("refusal"))
        #expect(refusal["message"] == .string("the model refused: I can't help with that."))
        #expect(broken["type"] == .string("schema_mismatch"))
        #expect(transport.sent.count == 2)
        #expect(Self.usage(byText["bad lid"], "completion_tokens") == 7)
    }

    /// The request a responses row sends: instructions first, the row's prompt as input, the
    /// pipeline's params, `store: false`, and a prompt cache key naming the job.
    @Test func responsesRequestBody() async throws {
        let job = try Job(pipeline: Self.pipeline(), rows: ["good kettle"])
        let transport = ScriptedTransport { request, _ in Self.answer(Self.label(Self.rowText(request))) }
        let (_, records) = try await job.run(transport)
        let body = Self.body(transport.sent[0])
        #expect(transport.sent[0].url.hasSuffix("/v1/responses"))
        #expect(body.keys.prefix(3) == ["model", "instructions", "input"])
        #expect(body["instructions"] == .string("Label the review."))
        #expect(body["input"] == .string("Review: good kettle"))
        #expect(body["store"] == .bool(false))
        #expect(body["prompt_cache_key"] == .string("labels"))
        #expect(body["max_output_tokens"] == .number("50"))
        // Usage details in the record, as the answer reported them.
        guard case .object(let usage)? = records.first?["usage"] else { return }
        #expect(
            usage["prompt_tokens_details"]
                == .object(JSONObject(keys: ["cached_tokens", "cache_write_tokens"], values: [.number("4"), .number("2")])))
        #expect(usage["completion_tokens_details"] == .object(JSONObject(keys: ["reasoning_tokens"], values: [.number("3")])))
    }

    /// The items of a packed request: `i` and `input` of each row.
    static func items(_ request: HTTPRequest) -> [(i: Int, input: String)] {
        guard case .array(let input)? = body(request)["input"], case .object(let last)? = input.last,
            case .string(let content)? = last["content"],
            case .object(let object)? = try? Array(content.utf8).withUnsafeBytes({ try JSONParser.parse($0) }),
            case .array(let items)? = object["items"]
        else { return [] }
        return items.compactMap { item in
            guard case .object(let fields) = item, case .number(let i)? = fields["i"], let index = Int(i),
                case .string(let text)? = fields["input"]
            else { return nil }
            return (index, text)
        }
    }

    /// `pack: 8`: the rows go as items of one request and come back by `i` (here in reverse
    /// order); the row the first answer left out goes again, and every row's record holds
    /// the answer it gets alone, its share of the usage, and shares that add up.
    @Test func packedRowsAreMappedByIndexAndLostOnesSentAgain() async throws {
        let texts = (0..<8).map { $0 % 2 == 0 ? "good item \($0)" : "bad item number \($0)" }
        let job = try Job(pipeline: Self.pipeline("pack: 8"), rows: texts)
        let alone = Mutex(0)
        let transport = ScriptedTransport { request, attempt in
            let items = Self.items(request)
            // Alone, the lost row's first answer is not JSON: it goes a third time.
            if items.count == 1,
                alone.withLock({ count in
                    count += 1
                    return count == 1
                })
            {
                return Self.answer("{\"answers\": [")
            }
            let answers = items.reversed().filter { !(items.count == 8 && $0.i == 3) }.map { item in
                "{\"i\":\(item.i)," + Self.label(String(item.input.dropFirst("Review: ".count))).dropFirst()
            }
            return Self.answer("{\"answers\":[\(answers.joined(separator: ","))]}")
        }
        let (report, records) = try await job.run(transport)
        #expect(report.complete)
        #expect(transport.sent.map { Self.items($0).count } == [8, 1, 1])
        let first = Self.body(transport.sent[0])
        guard case .object(let text)? = first["text"], case .object(let format)? = text["format"] else {
            Issue.record("no text.format in the packed request")
            return
        }
        #expect(format["name"] == .string("promptmill_pack"))
        #expect(first["max_output_tokens"] == .number("400"))
        guard case .string(let instructions)? = first["instructions"] else { return }
        #expect(instructions.hasPrefix("Label the review.\n\n"))
        let byText = Self.records(records)
        for row in texts {
            #expect(byText[row]?["output"] == .string(Self.label(row)))
            #expect(byText[row]?["error"] == .null)
        }
        // 10 input tokens a request: shares of the three requests add up to 30, each paid once.
        let prompt = records.reduce(0) { $0 + (Self.usage($1, "prompt_tokens") ?? 0) }
        let completion = records.reduce(0) { $0 + (Self.usage($1, "completion_tokens") ?? 0) }
        #expect(prompt == 30)
        #expect(completion == 21)
        #expect(byText["bad item number 3"]?["attempts"] == .number("3"))
    }

    /// A reasoning model without `max_output_tokens` may spend its whole output window
    /// (128,000 tokens for gpt-5-mini, $0.256 at $2/1M) on hidden reasoning: each request
    /// reserves that under the budget, so a cap of $0.60 lets two go at a time, and answers
    /// that use it all stop the job at the cap (exit 3) with the spend under it, each paid
    /// answer's reasoning tokens in its record.
    @Test func budgetHoldsWithAReasoningModel() async throws {
        let pipeline = Self.pipeline("budget: {max_usd: 0.60}", params: "reasoning: {effort: high}")
        let job = try Job(pipeline: pipeline, rows: (0..<6).map { "good \($0)" })
        let transport = ScriptedTransport { request, _ in
            let text = Self.label(Self.rowText(request))
            var writer = JSONWriter()
            writer.string(text)
            let escaped = String(decoding: writer.bytes, as: UTF8.self)
            return .respond(
                .json(
                    200,
                    """
                    {"id":"resp_2","object":"response","status":"completed","model":"gpt-5-mini","output":[{"type":"reasoning","id":"rs_2","summary":[]},\
                    {"type":"message","id":"msg_2","status":"completed","role":"assistant","content":[{"type":"output_text","text":\(escaped),"annotations":[]}]}],\
                    "usage":{"input_tokens":20,"output_tokens":128000,"output_tokens_details":{"reasoning_tokens":127990},"total_tokens":128020}}
                    """))
        }
        let (report, records) = try await job.run(transport)
        #expect(report.exitCode == 3)
        #expect(transport.sent.count == 2)
        #expect(records.count == 2)
        #expect(records.allSatisfy { Self.usage($0, "completion_tokens") == 128_000 })
        let spent = try #require(report.statistics.spent)
        #expect(spent <= Money(dollars: 0.60))
        // 2 × (20 × $0.25/1M + 128,000 × $2/1M), to the picodollar.
        #expect(spent == Money(picodollars: 2 * (20 * 250_000 + 128_000 * 2_000_000)))
    }

    /// Chat packs too: the fixed system message once, then how to answer, then the items;
    /// the pack's format replaces `response_format`, and the output limit is per row.
    @Test func chatRowsPackWithTheirFixedMessagesFirst() async throws {
        let pipeline = """
            name: chat-labels
            input: {path: rows.jsonl}
            endpoint: chat
            model: gpt-4o-mini
            messages:
              - {role: system, content: Label the review.}
              - {role: user, content: "Review: {{text}}"}
              - {role: user, content: Answer now.}
            pack: 4
            params: {max_completion_tokens: 30, response_format: {type: json_schema, json_schema: {name: label, strict: true, schema: \(Self.schema)}}}
            output: {path: out.jsonl.gz, include: [text]}
            """
        let texts = ["good one", "bad two", "good three"]
        let job = try Job(pipeline: pipeline, rows: texts)
        let transport = ScriptedTransport { request, _ in
            guard case .array(let messages)? = Self.body(request)["messages"], case .object(let last)? = messages.dropLast().last,
                case .string(let content)? = last["content"],
                case .object(let object)? = try? Array(content.utf8).withUnsafeBytes({ try JSONParser.parse($0) }),
                case .array(let items)? = object["items"]
            else { return .respond(.json(400, "{}")) }
            let answers = items.compactMap { item -> String? in
                guard case .object(let fields) = item, case .number(let i)? = fields["i"], case .string(let input)? = fields["input"] else {
                    return nil
                }
                return "{\"i\":\(i)," + Self.label(String(input.dropFirst("Review: ".count))).dropFirst()
            }
            var writer = JSONWriter()
            writer.string("{\"answers\":[\(answers.joined(separator: ","))]}")
            let escaped = String(decoding: writer.bytes, as: UTF8.self)
            return .respond(
                .json(
                    200,
                    "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\(escaped)},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":90,\"completion_tokens\":30}}"
                ))
        }
        let (report, records) = try await job.run(transport)
        #expect(report.complete)
        #expect(transport.sent.count == 1)
        let body = Self.body(transport.sent[0])
        guard case .array(let messages)? = body["messages"] else { return }
        // The template's order kept: the fixed message after the row's comes after the items.
        #expect(messages.count == 4)
        #expect(messages.first == .object(JSONObject(keys: ["role", "content"], values: [.string("system"), .string("Label the review.")])))
        #expect(messages.last == .object(JSONObject(keys: ["role", "content"], values: [.string("user"), .string("Answer now.")])))
        #expect(body["max_completion_tokens"] == .number("90"))
        guard case .object(let format)? = body["response_format"], case .object(let named)? = format["json_schema"] else { return }
        #expect(named["name"] == .string("promptmill_pack"))
        let byText = Self.records(records)
        for text in texts { #expect(byText[text]?["output"] == .string(Self.label(text))) }
        #expect(records.reduce(0) { $0 + (Self.usage($1, "prompt_tokens") ?? 0) } == 90)
    }

    /// A schema that refers to its own root (`$ref: "#"`, a tree) still means itself once
    /// packed: the pack's format keeps it under `$defs` and points the references there, so
    /// a packed answer of trees follows the format the server was given.
    @Test func packedSchemaKeepsReferencesToItsRoot() async throws {
        let tree = """
            {type: object, properties: {value: {type: string}, children: {type: array, items: {$ref: "#"}}}, \
            required: [value, children], additionalProperties: false}
            """
        let pipeline = """
            name: trees
            input: {path: rows.jsonl}
            endpoint: responses
            model: gpt-5-mini
            prompt: "{{text}}"
            pack: 2
            params: {max_output_tokens: 100, text: {format: {type: json_schema, name: tree, strict: true, schema: \(tree)}}}
            output: {path: out.jsonl.gz, include: [text]}
            """
        let job = try Job(pipeline: pipeline, rows: ["a", "b"])
        let answer = """
            {"answers":[{"i":0,"value":"a","children":[{"value":"a1","children":[]}]},{"i":1,"value":"b","children":[]}]}
            """
        let transport = ScriptedTransport { _, _ in Self.answer(answer) }
        let (_, records) = try await job.run(transport)
        #expect(records.allSatisfy { $0["error"] == .null })
        guard case .object(let text)? = Self.body(transport.sent[0])["text"], case .object(let format)? = text["format"],
            let schema = format["schema"]
        else {
            Issue.record("no pack format sent")
            return
        }
        let compiled = try JSONSchema(schema)
        #expect(compiled.firstViolation(of: try Array(answer.utf8).withUnsafeBytes { try JSONParser.parse($0) }) == nil)
        #expect(
            compiled.firstViolation(
                of: try Array("{\"answers\":[{\"i\":0,\"value\":\"a\",\"children\":[{}]}]}".utf8).withUnsafeBytes { try JSONParser.parse($0) }) != nil
        )
    }

    /// Keys that cannot work together are refused at validate time, naming the key.
    @Test(arguments: [
        (
            "endpoint: chat\nmodel: gpt-4o-mini\nmessages: [{role: user, content: \"{{text}}\"}]\ninstructions: x",
            "instructions is for endpoint responses"
        ),
        ("endpoint: completions\nmodel: gpt-3.5-turbo-instruct\nprompt: \"{{text}}\"\npack: 4", "pack is for endpoints responses and chat"),
        ("endpoint: responses\nmodel: gpt-5-mini\nprompt: \"{{text}}\"\npack: 51", "pack must be between 1 and 50"),
        ("endpoint: responses\nmodel: gpt-5-mini\ninstructions: \"About {{text}}\"\nprompt: \"{{text}}\"\npack: 5", "cannot read the row's fields"),
        ("endpoint: responses\nmodel: gpt-5-mini\nprompt: x\nmessages: [{role: user, content: y}]", "not both"),
        (
            "endpoint: responses\nmodel: gpt-5-mini\nprompt: x\nparams: {text: {format: {type: json_schema, name: n, schema: {type: object, propertyNames: {}}}}}",
            "params.text.format.schema"
        ),
        ("endpoint: responses\nmodel: gpt-5-mini\nprompt: x\nparams: {background: true}", "params.background"),
        ("endpoint: responses\nmodel: gpt-5-mini\nprompt: x\nparams: {service_tier: cheap}", "params.service_tier must be one of"),
        ("endpoint: responses\nmodel: gpt-5-mini\nprompt: x\nparams: {reasoning: {effort: huge}}", "params.reasoning.effort"),
        (
            "endpoint: responses\nmodel: gpt-5-mini\nprompt: x\nparams: {max_output_tokens: 10}",
            "params.max_output_tokens must be a whole number from 16"
        ),
        ("endpoint: responses\nmodel: gpt-5-mini\nprompt: x\nparams: {temperature: 3}", "params.temperature must be a number from 0 to 2"),
        (
            "endpoint: responses\nmodel: gpt-5-mini\nprompt: x\nparams: {text: {format: {type: json_schema, name: n, strict: true, schema: {type: object, properties: {a: {type: string}}, required: [a]}}}}",
            "'additionalProperties' is required to be supplied and to be false"
        ),
        (
            "endpoint: responses\nmodel: gpt-5-mini\nprompt: x\nparams: {text: {format: {type: json_schema, name: n, strict: true, schema: {anyOf: [{type: object, properties: {}, additionalProperties: false}]}}}}",
            "the root must be an object"
        ),
        ("endpoint: responses\nmodel: gpt-5-mini\nprompt: x\nparams: {text: {fromat: {type: text}}}", "params.text.fromat"),
        ("endpoint: responses\nmodel: gpt-5-mini\nmessages: [{role: user, name: bob, content: x}]", "take no name"),
    ])
    func conflictingKeysAreRefused(keys: String, expected: String) throws {
        let directory = try TemporaryDirectory()
        try directory.write("rows.jsonl", "{\"text\":\"a\"}\n")
        try directory.write("p.yaml", "name: bad\ninput: {path: rows.jsonl}\n\(keys)\noutput: {path: out.jsonl.gz}\n")
        do {
            _ = try PipelineLoader.load(
                path: directory.path + "/p.yaml", overrides: PipelineOverrides(mockBaseURL: "http://127.0.0.1:1/v1"), environment: [:],
                apiKey: .required)
            Issue.record("accepted: \(keys)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }
}

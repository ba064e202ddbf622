import Foundation
import Testing
import PromptmillCore
import PromptmillTesting
import PromptmillTokenizer

/// `estimate --check N` against a scripted server: which rows it samples, what it sends,
/// and what it says when the server answers otherwise.
@Suite struct TokenCountCheckTests {
    static let pipeline = """
        name: check
        input: {path: rows.jsonl, id: id}
        endpoint: responses
        model: gpt-5-mini
        instructions: "Label the sentiment."
        prompt: "Review: {{text}}"
        user_field: user
        params: {max_output_tokens: 50, store: true, metadata: {job: check}, reasoning: {effort: minimal}}
        output: {path: out.jsonl.gz}
        """

    static func configuration(_ yaml: String = pipeline, rows: Int = 10) throws -> (PipelineConfiguration, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        try directory.write(
            "rows.jsonl", (0..<rows).map { "{\"id\":\"r\($0)\",\"user\":\"u\($0)\",\"text\":\"review \($0)\"}" }.joined(separator: "\n"))
        let path = try directory.write("pipeline.yaml", yaml)
        let configuration = try PipelineLoader.load(
            path: path, overrides: PipelineOverrides(baseURL: "https://api.example.test/v1/"),
            environment: ["XDG_CACHE_HOME": directory.path, "OPENAI_API_KEY": "sk-test", "OPENAI_PROJECT_ID": "proj_1"], apiKey: .required)
        return (configuration, directory)
    }

    static func answer(_ status: Int, _ body: String) -> ScriptedTransport.Step {
        .respond(HTTPResponse(status: status, headers: [("Content-Type", "application/json")], body: Array(body.utf8)))
    }

    /// Three of ten rows, spread evenly (positions 0, 3 and 6), each sent as the body a
    /// create would send less what the counting endpoint does not take.
    @Test func sendsSpreadRowsWithTheCountingParameters() async throws {
        let (configuration, directory) = try Self.configuration()
        defer { directory.remove() }
        let transport = ScriptedTransport(respond: { _, index in
            Self.answer(200, "{\"object\":\"response.input_tokens\",\"input_tokens\":\(20 + index)}")
        })
        let report = try await TokenCountCheck(configuration: configuration, transport: transport).run(samples: 3)
        #expect(report.samples.map(\.ids) == [["r0"], ["r3"], ["r6"]])
        #expect(report.rowsInInput == 10)
        #expect(report.url == "https://api.example.test/v1/responses/input_tokens")
        let tokenizer = try Tokenizer.shared(.o200k_base)
        let offline = tokenizer.chatPromptTokens([
            ChatMessageTokens(role: "developer", content: "Label the sentiment."), ChatMessageTokens(role: "user", content: "Review: review 0"),
        ])
        #expect(report.samples[0].offline == offline)
        #expect(report.samples.map(\.api) == [20, 21, 22])
        let sent = transport.sent
        #expect(sent.count == 3)
        #expect(sent[0].url == "https://api.example.test/v1/responses/input_tokens")
        #expect(sent[0].method == "POST")
        #expect(sent[0].headers.contains { $0.name == "Authorization" && $0.value == "Bearer sk-test" })
        #expect(sent[0].headers.contains { $0.name == "OpenAI-Project" && $0.value == "proj_1" })
        #expect(
            String(decoding: sent[0].body, as: UTF8.self)
                == "{\"model\":\"gpt-5-mini\",\"instructions\":\"Label the sentiment.\",\"input\":\"Review: review 0\",\"reasoning\":{\"effort\":\"minimal\"}}"
        )
    }

    /// More samples than rows checks every row once.
    @Test func checksEveryRowWhenAskedForMore() async throws {
        let (configuration, directory) = try Self.configuration(rows: 3)
        defer { directory.remove() }
        let transport = ScriptedTransport(respond: { _, _ in Self.answer(200, "{\"object\":\"response.input_tokens\",\"input_tokens\":1}") })
        let report = try await TokenCountCheck(configuration: configuration, transport: transport).run(samples: 20)
        #expect(report.samples.map(\.ids) == [["r0"], ["r1"], ["r2"]])
        #expect(report.rowsChecked == 3)
    }

    /// A packed pipeline is checked as the run packs it: the samples go pack to a request,
    /// each request compared whole.
    @Test func checksPackedRequestsWhole() async throws {
        let yaml = Self.pipeline.replacingOccurrences(of: "user_field: user\n", with: "pack: 4\n")
        let (configuration, directory) = try Self.configuration(yaml)
        defer { directory.remove() }
        let transport = ScriptedTransport(respond: { _, _ in Self.answer(200, "{\"object\":\"response.input_tokens\",\"input_tokens\":100}") })
        let report = try await TokenCountCheck(configuration: configuration, transport: transport).run(samples: 6)
        #expect(report.pack == 4)
        #expect(report.samples.map(\.ids) == [["r0", "r1", "r3", "r5"], ["r6", "r8"]])
        let body = String(decoding: transport.sent[0].body, as: UTF8.self)
        #expect(body.contains("\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"promptmill_pack\""))
        #expect(!body.contains("max_output_tokens"))
    }

    /// An answer other than 200 stops the check with the URL, the status, the body and a hint.
    @Test func namesTheStatusAndBodyOfAFailedCount() async throws {
        let (configuration, directory) = try Self.configuration()
        defer { directory.remove() }
        let body = "{\"error\":{\"message\":\"Incorrect API key provided.\",\"type\":\"invalid_request_error\"}}"
        let check = TokenCountCheck(configuration: configuration, transport: ScriptedTransport([Self.answer(401, body)]))
        await #expect(throws: TokenCountCheckError.status(url: "https://api.example.test/v1/responses/input_tokens", status: 401, body: body)) {
            try await check.run(samples: 2)
        }
        #expect(
            TokenCountCheckError.status(url: "https://api.example.test/v1/responses/input_tokens", status: 401, body: body).description
                == "POST https://api.example.test/v1/responses/input_tokens answered HTTP 401: \(body) — check OPENAI_API_KEY")
        let unreadable = TokenCountCheck(configuration: configuration, transport: ScriptedTransport([Self.answer(200, "{\"tokens\":3}")]))
        await #expect(throws: TokenCountCheckError.unreadable(url: "https://api.example.test/v1/responses/input_tokens", body: "{\"tokens\":3}")) {
            try await unreadable.run(samples: 1)
        }
        let timeout = TokenCountCheck(configuration: configuration, transport: ScriptedTransport([.fail(TransportError(.timeout, "60 s"))]))
        do {
            _ = try await timeout.run(samples: 1)
            Issue.record("a timeout should stop the check")
        } catch let error as TokenCountCheckError {
            #expect(
                error.description
                    == "POST https://api.example.test/v1/responses/input_tokens failed: no answer within the timeout (60 s) — check the base URL (--base-url, base_url or OPENAI_BASE_URL) and the network"
            )
        }
    }

    /// Chat has no free counting endpoint: the check says it is for responses only.
    @Test func refusesOtherEndpoints() throws {
        let (configuration, directory) = try Self.configuration(
            """
            name: check
            input: {path: rows.jsonl, id: id}
            endpoint: chat
            model: gpt-4o
            messages:
              - {role: user, content: "Review: {{text}}"}
            output: {path: out.jsonl.gz}
            """)
        defer { directory.remove() }
        #expect(throws: TokenCountCheckError.notResponses(endpoint: "chat")) { try TokenCountCheck.validate(configuration) }
        #expect(
            TokenCountCheckError.notResponses(endpoint: "chat").description
                == "--check is for endpoint responses only: OpenAI counts input tokens free of charge (POST /v1/responses/input_tokens) only for the Responses API, and the pipeline's endpoint is chat — run estimate without --check"
        )
    }

    /// A multi-step pipeline is checked on its first step, and the refusal names that step.
    @Test func namesTheFirstStepOfAMultiStepPipeline() throws {
        let (configuration, directory) = try Self.configuration(
            """
            name: check
            input: {path: rows.jsonl, id: id}
            steps:
              - name: screen
                endpoint: moderations
                model: omni-moderation-latest
                input_field: text
              - name: label
                endpoint: responses
                model: gpt-5-mini
                prompt: "Review: {{text}}"
            output: {path: out.jsonl.gz}
            """)
        defer { directory.remove() }
        #expect(throws: TokenCountCheckError.notResponses(endpoint: "moderations", step: "screen")) {
            try TokenCountCheck.validate(configuration)
        }
        #expect(
            TokenCountCheckError.notResponses(endpoint: "moderations", step: "screen").description
                == "--check is for endpoint responses only: OpenAI counts input tokens free of charge (POST /v1/responses/input_tokens) only for the Responses API, and the pipeline's first step, screen, has endpoint moderations (--check counts the first step) — run estimate without --check"
        )
    }
}

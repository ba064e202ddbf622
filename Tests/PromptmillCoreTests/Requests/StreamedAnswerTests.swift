import Foundation
import Testing
@testable import PromptmillCore
import PromptmillSimulator
import PromptmillTesting
import PromptmillTokenizer

/// A streamed answer put back together reads as the whole answer would.
@Suite struct StreamedAnswerTests {
    static func parse(_ body: [UInt8], _ endpoint: Endpoint = .chat) throws -> APIResponse {
        try APIResponse.parse(body, endpoint: endpoint, promptTokens: [9], choicesPerPrompt: 1, tokenizer: try Tokenizer.shared(.o200k_base))
    }

    /// Chat chunks as OpenAI's streaming reference shows them: a role chunk, the content in
    /// pieces, the finish reason, then the usage chunk (`include_usage`) and `[DONE]`.
    static let chatEvents = """
        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","service_tier":"default","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}

        : a comment line, ignored

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Posi"},"logprobs":null,"finish_reason":null}],"usage":null}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"tive, \\"é\\""},"logprobs":null,"finish_reason":null}],"usage":null}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}],"usage":null}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}

        data: [DONE]


        """

    @Test(arguments: ["\n", "\r\n", "\r"])
    func chatChunksReadAsTheWholeAnswer(lineEnding: String) throws {
        let stream = Self.chatEvents.replacingOccurrences(of: "\n", with: lineEnding)
        let whole = try StreamedAnswer.whole(Array(stream.utf8), endpoint: .chat)
        let answer = try Self.parse(whole)
        #expect(answer.rows.count == 1)
        #expect(answer.rows[0].answer.output == .text("Positive, \"é\""))
        #expect(answer.rows[0].answer.finishReasons == ["length"])
        #expect(answer.rows[0].withheld == nil)
        #expect(answer.usage.promptTokens == 9 && answer.usage.completionTokens == 3 && !answer.usage.counted)
        #expect(answer.usage.tier == .standard)
    }

    /// A refusal streamed in pieces is withheld, as the whole answer's refusal is.
    @Test func aStreamedRefusalIsWithheld() throws {
        let stream = """
            data: {"id":"c","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":null,"refusal":""},"finish_reason":null}]}

            data: {"id":"c","created":1,"model":"m","choices":[{"index":0,"delta":{"refusal":"I can't help with that."},"finish_reason":null}]}

            data: {"id":"c","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

            data: [DONE]

            """
        let answer = try Self.parse(try StreamedAnswer.whole(Array(stream.utf8), endpoint: .chat))
        #expect(answer.rows[0].withheld?.type == "refusal")
        // No usage chunk: counted by promptmill, as a whole answer without usage is.
        #expect(answer.usage.counted)
    }

    /// An error sent mid-stream is the error it says (a 200 whose body is an error object).
    @Test func anErrorEventIsTheErrorItSays() throws {
        let stream = """
            data: {"id":"c","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

            data: {"error":{"message":"Rate limit reached for gpt-4o-mini","type":"requests","code":"rate_limit_exceeded","param":null}}


            """
        let body = try StreamedAnswer.whole(Array(stream.utf8), endpoint: .chat)
        let embedded = try #require(APIErrorBody.embedded(in: body))
        #expect(embedded.status == 429)
        #expect(embedded.error.message == "Rate limit reached for gpt-4o-mini")
    }

    /// `"error": null` in a chunk is no error; a leading byte-order mark is dropped; a
    /// message without content keeps the delta's other fields, as the whole message has them.
    @Test func oddButValidChunks() throws {
        let stream = """
            \u{FEFF}data: {"id":"c","created":1,"model":"m","error":null,"choices":[{"index":0,"delta":{"role":"assistant","content":null,"reasoning_content":"thin"},"finish_reason":null}]}

            data:{"id":"c","choices":[{"index":0,"delta":{"reasoning_content":"king"},"finish_reason":null}]}

            data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"length"}]}

            data: [DONE]

            """
        let answer = try Self.parse(try StreamedAnswer.whole(Array(stream.utf8), endpoint: .chat))
        #expect(
            answer.rows[0].answer.output
                == .object(
                    JSONObject(
                        keys: ["role", "content", "refusal", "reasoning_content"],
                        values: [.string("assistant"), .null, .null, .string("thinking")])))
        #expect(answer.rows[0].answer.finishReasons == ["length"])
    }

    /// An event stream is told by its content type, or by its first bytes when a proxy lost
    /// the type; a whole JSON answer is not one.
    @Test func whatIsAnEventStream() {
        func response(_ type: String?, _ body: String) -> HTTPResponse {
            HTTPResponse(status: 200, headers: type.map { [("Content-Type", $0)] } ?? [], body: Array(body.utf8))
        }
        #expect(StreamedAnswer.isEventStream(response("text/event-stream; charset=utf-8", "")))
        #expect(StreamedAnswer.isEventStream(response("application/json", "data: {}\n\n")))
        #expect(StreamedAnswer.isEventStream(response(nil, "\u{FEFF}\r\n: keep-alive\n\ndata: {}\n\n")))
        #expect(StreamedAnswer.isEventStream(response("text/plain", "event: response.created\n")))
        #expect(!StreamedAnswer.isEventStream(response("application/json", #"{"data": 1}"#)))
        #expect(!StreamedAnswer.isEventStream(response(nil, "")))
    }

    /// A stream cut before its last event is unusable, never a short answer.
    @Test func aStreamCutShortIsUnusable() {
        let cut = Self.chatEvents.components(separatedBy: "\n\n").prefix(3).joined(separator: "\n\n")
        #expect(throws: ResponseError.malformed("the streamed answer ended before its last event")) {
            try StreamedAnswer.whole(Array(cut.utf8), endpoint: .chat)
        }
        #expect(throws: ResponseError.self) { try StreamedAnswer.whole(Array("data: {not json\n\n".utf8), endpoint: .chat) }
    }

    /// Responses: the whole response is the `response.completed` event's.
    @Test func responsesTakeTheCompletedEventsResponse() throws {
        let response =
            #"{"id":"resp_1","object":"response","status":"completed","model":"gpt-5-mini","output":[{"type":"message","id":"msg_1","role":"assistant","content":[{"type":"output_text","text":"Negative","annotations":[]}]}],"usage":{"input_tokens":9,"output_tokens":70,"total_tokens":79,"output_tokens_details":{"reasoning_tokens":64}}}"#
        let stream = """
            event: response.created
            data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","status":"in_progress","output":[]}}

            event: response.output_text.delta
            data: {"type":"response.output_text.delta","sequence_number":1,"delta":"Nega"}

            event: response.completed
            data: {"type":"response.completed","sequence_number":2,"response":\(response)}


            """
        let whole = try StreamedAnswer.whole(Array(stream.utf8), endpoint: .responses)
        let streamed = try Self.parse(whole, .responses)
        let direct = try Self.parse(Array(response.utf8), .responses)
        #expect(streamed.rows[0].answer == direct.rows[0].answer)
        #expect(streamed.usage == direct.usage)
        let failed = """
            event: error
            data: {"type":"error","code":"server_error","message":"The server had an error","param":null,"sequence_number":1}

            """
        #expect(APIErrorBody.embedded(in: try StreamedAnswer.whole(Array(failed.utf8), endpoint: .responses))?.status == 500)
    }

    /// Only what promptmill can put back together streams.
    @Test func whatMayStream() throws {
        func configuration(_ endpoint: String, _ params: String) throws -> PipelineConfiguration {
            let directory = try TemporaryDirectory()
            try directory.write("rows.jsonl", "{\"text\":\"a\"}\n")
            let model = endpoint == "completions" ? "gpt-3.5-turbo-instruct" : "gpt-4o-mini"
            let content = endpoint == "completions" ? "prompt: \"{{text}}\"" : "messages: [{role: user, content: \"{{text}}\"}]"
            try directory.write(
                "p.yaml",
                "name: s\ninput: {path: rows.jsonl}\nendpoint: \(endpoint)\nmodel: \(model)\n\(content)\nparams: \(params)\noutput: {path: out.jsonl.gz}\n"
            )
            return try PipelineLoader.load(path: directory.path + "/p.yaml", environment: ["OPENAI_API_KEY": "sk-x"], apiKey: .required)
        }
        #expect(StreamedAnswer.streamable(try configuration("chat", "{max_tokens: 5}")))
        #expect(StreamedAnswer.streamable(try configuration("responses", "{max_output_tokens: 50}")))
        #expect(!StreamedAnswer.streamable(try configuration("chat", "{n: 2}")))
        #expect(!StreamedAnswer.streamable(try configuration("chat", "{logprobs: true}")))
        #expect(!StreamedAnswer.streamable(try configuration("completions", "{max_tokens: 5}")))
        let streamed = StreamedAnswer.streaming(try configuration("chat", "{max_tokens: 5}"))
        #expect(streamed.params["stream"] == .bool(true))
        #expect(streamed.params["stream_options"] == .object(JSONObject(keys: ["include_usage"], values: [.bool(true)])))
    }

    /// The simulator's streamed answer, over real HTTP, reads as its whole answer to the
    /// same request: same text, finish reason and usage, for chat and responses.
    @Test(arguments: [Endpoint.chat, .responses])
    func theSimulatorsStreamReadsAsItsWholeAnswer(endpoint: Endpoint) async throws {
        var configuration = SimulatorConfiguration()
        configuration.requestsPerMinute = 600
        let simulator = Simulator(configuration: configuration)
        try await simulator.start()
        let transport = AsyncHTTPClientTransport(maximumConnections: 2)
        func send(stream: Bool) async throws -> HTTPResponse {
            var body =
                endpoint == .chat
                ? #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Is this kettle review positive? The lid is loose but it boils fast."}],"max_tokens":40"#
                : #"{"model":"gpt-5-mini","input":"Is this kettle review positive? The lid is loose but it boils fast.","max_output_tokens":400"#
            if stream { body += endpoint == .chat ? #","stream":true,"stream_options":{"include_usage":true}"# : #","stream":true"# }
            body += "}"
            return try await transport.send(
                HTTPRequest(
                    url: simulator.baseURL + endpoint.path, headers: [("Authorization", "Bearer sk-test"), ("Content-Type", "application/json")],
                    body: Array(body.utf8)), timeout: .seconds(30))
        }
        let whole = try await send(stream: false)
        let streamed = try await send(stream: true)
        await transport.shutdown()
        try await simulator.stop()
        #expect(!StreamedAnswer.isEventStream(whole))
        #expect(StreamedAnswer.isEventStream(streamed))
        #expect(streamed.header("x-ratelimit-limit-requests") != nil)
        let assembled = try Self.parse(try StreamedAnswer.whole(streamed.body, endpoint: endpoint), endpoint)
        let direct = try Self.parse(whole.body, endpoint)
        #expect(assembled.rows[0].answer == direct.rows[0].answer)
        #expect(assembled.usage == direct.usage)
        #expect(!assembled.usage.counted)
    }
}

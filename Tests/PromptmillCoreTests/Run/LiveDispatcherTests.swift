import Testing
@testable import PromptmillCore
import PromptmillTesting
import PromptmillTokenizer

/// The live dispatcher against a scripted transport and a test clock: no server, no sleeping.
@Suite struct LiveDispatcherTests {
    static func configuration() throws -> PipelineConfiguration {
        let directory = try TemporaryDirectory()
        try directory.write("rows.jsonl", "{}\n")
        let path = try directory.write(
            "p.yaml",
            """
            name: sender
            input: {path: rows.jsonl}
            endpoint: completions
            model: gpt-3.5-turbo-instruct
            prompt: "x"
            params: {max_tokens: 4}
            limits: {max_retries: 3}
            output: {path: out.jsonl.gz}
            """)
        return try PipelineLoader.load(
            path: path, overrides: PipelineOverrides(mockBaseURL: "http://127.0.0.1:1/v1"), environment: [:], apiKey: .required)
    }

    static let rows = (0..<3).map { PreparedRow(number: $0 + 1, line: $0 + 1, id: "r\($0)", prompt: "prompt \($0)", input: JSONObject()) }

    static func answer(indices: [Int]) -> HTTPResponse {
        let choices = indices.map { "{\"text\":\"answer \($0)\",\"index\":\($0),\"logprobs\":null,\"finish_reason\":\"stop\"}" }
        return .json(
            200, "{\"choices\":[\(choices.joined(separator: ","))],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":6,\"total_tokens\":15}}")
    }

    func sender(_ transport: ScriptedTransport, clock: TestClock, contact: ServerContact = ServerContact()) throws -> LiveDispatcher {
        let configuration = try Self.configuration()
        return LiveDispatcher(
            configuration: configuration, transport: transport, policy: RetryPolicy(maxRetries: 3), clock: clock,
            throttle: RateLimiter(requestsPerMinute: nil, tokensPerMinute: nil, clock: clock),
            settler: Settler(store: nil, generation: JobGeneration.random(), model: configuration.model),
            completionBudget: 4, tokenizer: try Tokenizer.shared(.cl100k_base), contact: contact, seed: 1)
    }

    /// A refusal that is no attempt of the row's (a server that takes no streaming) gives its
    /// reservation back, and the request sent again reserves its own: once answered, nothing
    /// stays reserved under the cap and the cost is the answer's.
    @Test func aRefusedStreamLeavesNothingReserved() async throws {
        let clock = TestClock()
        let transport = ScriptedTransport([
            .respond(
                .json(
                    400,
                    #"{"error":{"message":"Unrecognized request argument supplied: stream","type":"invalid_request_error","param":null,"code":null}}"#
                )),
            .respond(Self.answer(indices: [0, 1, 2])),
        ])
        let configuration = try Self.configuration()
        let prices = try #require(configuration.prices)
        let spend = SpendGuard(cap: Money(picodollars: 1_000_000_000_000), warnAt: nil, spent: .zero) { _ in }
        var dispatcher = LiveDispatcher(
            configuration: configuration, transport: transport, policy: RetryPolicy(maxRetries: 3), clock: clock,
            throttle: RateLimiter(requestsPerMinute: nil, tokensPerMinute: nil, clock: clock),
            settler: Settler(store: nil, generation: JobGeneration.random(), model: configuration.model, prices: prices, spend: spend),
            completionBudget: 4, tokenizer: try Tokenizer.shared(.cl100k_base), contact: ServerContact(), seed: 1)
        dispatcher.headProbe = HeadProbe()
        let worst = Self.rows.worstCase(prices: prices, completionBudget: 4)
        #expect(worst > .zero)
        #expect(await spend.reserve(worst))
        let report = try await dispatcher.send(Self.rows, tokenCost: 30, reserved: true)
        #expect(transport.sent.map { String(decoding: $0.body, as: UTF8.self).contains("\"stream\":true") } == [true, false])
        #expect(report.results.allSatisfy { if case .answered = $0.outcome { $0.attempts == 1 } else { false } })
        #expect(await !spend.hasOpenReservations)
        #expect(await spend.spentSoFar > .zero)
        #expect(clock.sleeps.isEmpty)
    }

    /// An answer whose choices do not cover every prompt is never mapped: it is retried, and
    /// the next whole answer gives each row its own text, out of order or not.
    @Test func incompleteChoicesAreRetried() async throws {
        let clock = TestClock()
        let transport = ScriptedTransport([.respond(Self.answer(indices: [0, 2])), .respond(Self.answer(indices: [2, 0, 1]))])
        let contact = ServerContact()
        let report = try await sender(transport, clock: clock, contact: contact).send(Self.rows, tokenCost: 30)
        #expect(transport.sent.count == 2)
        let counts = contact.takeCounts()
        #expect(counts.requests == 2)
        #expect(counts.retries == 1)
        #expect(clock.sleeps.count == 1)
        let answers = report.results.map { result -> Answer? in
            if case .answered(let answer, _) = result.outcome { return answer }
            return nil
        }
        #expect(answers == (0..<3).map { Answer(output: .text("answer \($0)"), finishReasons: ["stop"]) })
        #expect(report.results.allSatisfy { $0.attempts == 2 })
        let usage = report.results.reduce(TokenUsage.zero) { total, result in
            if case .answered(_, let usage) = result.outcome {
                return TokenUsage(
                    promptTokens: total.promptTokens + usage.promptTokens, completionTokens: total.completionTokens + usage.completionTokens)
            }
            return total
        }
        #expect(usage == TokenUsage(promptTokens: 9, completionTokens: 6))
    }

    /// A 429 waits what retry-after-ms says, on the injected clock, then succeeds.
    @Test func rateLimitWaitsRetryAfter() async throws {
        let clock = TestClock()
        let limited = HTTPResponse.json(
            429, "{\"error\":{\"message\":\"slow down\",\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}",
            headers: [("retry-after-ms", "1200")])
        let transport = ScriptedTransport([.respond(limited), .respond(Self.answer(indices: [0, 1, 2]))])
        let contact = ServerContact()
        let report = try await sender(transport, clock: clock, contact: contact).send(Self.rows, tokenCost: 30)
        #expect(contact.takeCounts().rateLimited == 1)
        #expect(clock.sleeps.contains(.milliseconds(1200)))
        #expect(report.results.count == 3)
    }

    /// Transient failures past max_retries become error records for every row of the batch.
    @Test func persistentFailuresBecomeErrorRecords() async throws {
        let clock = TestClock()
        let transport = ScriptedTransport(Array(repeating: .fail(TransportError(.connection, "reset by peer")), count: 4))
        let report = try await sender(transport, clock: clock).send(Self.rows, tokenCost: 30)
        #expect(transport.sent.count == 4)
        #expect(report.results.count == 3)
        for result in report.results {
            guard case .failed(let failure) = result.outcome else {
                Issue.record("row \(result.row.id) should have failed")
                continue
            }
            #expect(failure == RowFailure(type: "connection_error", message: "connection failed: reset by peer", status: nil, transient: true))
            #expect(result.attempts == 4)
        }
    }

    /// Refused credentials stop the job at once: no retry.
    @Test func authenticationFailureStops() async throws {
        let clock = TestClock()
        let refused = HTTPResponse.json(
            401,
            "{\"error\":{\"message\":\"Incorrect API key provided.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}"
        )
        let transport = ScriptedTransport([.respond(refused)])
        await #expect(throws: JobStop.authentication(status: 401, message: "Incorrect API key provided.")) {
            _ = try await sender(transport, clock: clock).send(Self.rows, tokenCost: 30)
        }
        #expect(transport.sent.count == 1)
    }

    /// The request body holds the model, the prompts as an array, and the params as written.
    @Test func bodyCarriesPromptsAndParams() async throws {
        let clock = TestClock()
        let transport = ScriptedTransport([.respond(Self.answer(indices: [0, 1, 2]))])
        _ = try await sender(transport, clock: clock).send(Self.rows, tokenCost: 30)
        let body = String(decoding: try #require(transport.sent.first).body, as: UTF8.self)
        #expect(body == #"{"model":"gpt-3.5-turbo-instruct","prompt":["prompt 0","prompt 1","prompt 2"],"max_tokens":4}"#)
    }
}

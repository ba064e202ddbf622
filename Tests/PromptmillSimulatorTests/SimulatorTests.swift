import Foundation
import Testing
import PromptmillCore
import PromptmillSimulator
import PromptmillTokenizer

/// The simulator over real HTTP on loopback: OpenAI's shapes, errors, limits and faults.
@Suite struct SimulatorTests {
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: JSONObject
    }

    static func post(_ simulator: Simulator, _ path: String, _ body: String, key: String = "sk-test") async throws -> Answer {
        let transport = AsyncHTTPClientTransport(maximumConnections: 2)
        defer { Task { await transport.shutdown() } }
        let response = try await transport.send(
            HTTPRequest(
                url: simulator.baseURL + path, headers: [("Authorization", "Bearer \(key)"), ("Content-Type", "application/json")],
                body: Array(body.utf8)), timeout: .seconds(60))
        guard case .object(let object) = try response.body.withUnsafeBytes({ try JSONParser.parse($0) }) else {
            throw CocoaError(.coderReadCorrupt)
        }
        return Answer(status: response.status, headers: Dictionary(response.headers.map { ($0.name, $0.value) }) { $1 }, body: object)
    }

    static func started(_ configure: (inout SimulatorConfiguration) -> Void = { _ in }) async throws -> Simulator {
        var configuration = SimulatorConfiguration()
        configure(&configuration)
        let simulator = Simulator(configuration: configuration)
        try await simulator.start()
        return simulator
    }

    /// A completions answer has OpenAI's shape; prompt i's j-th choice has index i*n+j; usage
    /// counts the prompts with the model's real tokenizer.
    @Test func completionsFollowOpenAIShape() async throws {
        let simulator = try await Self.started()
        defer { Task { try? await simulator.stop() } }
        let answer = try await Self.post(
            simulator, "/completions",
            #"{"model":"gpt-3.5-turbo-instruct","prompt":["Review: great kettle\nSentiment:","Review: it broke\nSentiment:"],"n":2,"max_tokens":3}"#)
        #expect(answer.status == 200)
        #expect(answer.body["object"] == .string("text_completion"))
        guard case .array(let choices)? = answer.body["choices"], case .object(let usage)? = answer.body["usage"] else {
            Issue.record("no choices or usage")
            return
        }
        #expect(choices.count == 4)
        let texts = choices.compactMap { choice -> String? in
            guard case .object(let object) = choice, case .string(let text)? = object["text"] else { return nil }
            return text
        }
        #expect(texts == ["positive", "positive", "negative", "negative"])
        let tokenizer = try Tokenizer.shared(.cl100k_base)
        let prompts = tokenizer.count("Review: great kettle\nSentiment:") + tokenizer.count("Review: it broke\nSentiment:")
        #expect(usage["prompt_tokens"] == .number(String(prompts)))
        #expect(usage["completion_tokens"] == .number(String(2 * tokenizer.count("positive") + 2 * tokenizer.count("negative"))))
    }

    /// A parameter OpenAI does not define is refused as OpenAI refuses it.
    @Test func unknownParameterIsRefused() async throws {
        let simulator = try await Self.started()
        defer { Task { try? await simulator.stop() } }
        let answer = try await Self.post(simulator, "/completions", #"{"model":"gpt-3.5-turbo-instruct","prompt":"x","temprature":0}"#)
        #expect(answer.status == 400)
        guard case .object(let error)? = answer.body["error"] else { Issue.record("no error"); return }
        #expect(error["message"] == .string("Unrecognized request argument supplied: temprature"))
        #expect(error["type"] == .string("invalid_request_error"))
    }

    /// OpenAI's duration notation (`120ms`, `17.5s`, `1m0s`) in milliseconds.
    static func milliseconds(_ text: String?) -> Double? {
        guard var rest = text?[...] else { return nil }
        if rest.hasSuffix("ms") { return Double(rest.dropLast(2)) }
        var total = 0.0
        for (unit, factor) in [("h", 3_600_000.0), ("m", 60_000.0), ("s", 1000.0)] {
            guard let end = rest.firstIndex(of: Character(unit)) else { continue }
            guard let value = Double(rest[..<end]) else { return nil }
            total += value * factor
            rest = rest[rest.index(after: end)...]
        }
        return rest.isEmpty ? total : nil
    }

    /// Over the requests-per-minute limit: 429 rate_limit_exceeded with retry-after-ms and the
    /// six x-ratelimit headers. At 2 RPM the bucket has room for one more request
    /// `retry-after-ms` from now and is full one request's refill (30 s) after that, however
    /// long the requests took.
    @Test func rateLimitAnswers429WithHeaders() async throws {
        let simulator = try await Self.started {
            $0.requestsPerMinute = 2; $0.tokensPerMinute = 100_000
        }
        defer { Task { try? await simulator.stop() } }
        let body = #"{"model":"gpt-3.5-turbo-instruct","prompt":"hello"}"#
        let first = try await Self.post(simulator, "/completions", body)
        #expect(first.status == 200)
        for name in [
            "x-ratelimit-limit-requests", "x-ratelimit-limit-tokens", "x-ratelimit-remaining-requests",
            "x-ratelimit-remaining-tokens", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens",
        ] {
            #expect(first.headers[name] != nil, "\(name) missing")
        }
        #expect(first.headers["x-ratelimit-limit-requests"] == "2")
        _ = try await Self.post(simulator, "/completions", body)
        let third = try await Self.post(simulator, "/completions", body)
        #expect(third.status == 429)
        guard case .object(let error)? = third.body["error"] else { Issue.record("no error"); return }
        #expect(error["code"] == .string("rate_limit_exceeded"))
        #expect(error["type"] == .string("requests"))
        #expect(third.headers["x-ratelimit-remaining-requests"] == "0")
        let wait = Double(third.headers["retry-after-ms"] ?? "") ?? 0
        #expect(wait > 0 && wait <= 30_000)
        // The reset is rounded up to a tenth of a second, retry-after-ms to a millisecond.
        let reset = Self.milliseconds(third.headers["x-ratelimit-reset-requests"]) ?? 0
        #expect(abs(reset - wait - 30_000) <= 100, "reset \(reset) ms, retry after \(wait) ms")
        let statistics = simulator.statistics()
        #expect(statistics.rateLimited == 1)
        #expect(statistics.byModel["gpt-3.5-turbo-instruct"]?.admitted == 2)
        #expect(statistics.byModel["gpt-3.5-turbo-instruct"]?.rateLimited == 1)
    }

    /// With limits per model, each model has its own requests and tokens buckets at the
    /// configured limits: one model's refusal leaves another's quota whole, and each answer's
    /// headers describe its own model's buckets.
    @Test func limitsPerModelGiveEachModelItsOwnQuota() async throws {
        let simulator = try await Self.started {
            $0.requestsPerMinute = 2; $0.tokensPerMinute = 1_000; $0.limitsPerModel = true
        }
        defer { Task { try? await simulator.stop() } }
        let tokenizer = try Tokenizer.shared(.cl100k_base)
        let cost = tokenizer.count("hello") + 5
        var answers: [String: [Answer]] = [:]
        for model in ["gpt-3.5-turbo-instruct", "davinci-002"] {
            for _ in 0..<3 {
                answers[model, default: []].append(
                    try await Self.post(simulator, "/completions", #"{"model":"\#(model)","prompt":"hello","max_tokens":5}"#))
            }
        }
        for model in ["gpt-3.5-turbo-instruct", "davinci-002"] {
            let replies = answers[model] ?? []
            #expect(replies.map(\.status) == [200, 200, 429], "\(model)")
            #expect(replies.first?.headers["x-ratelimit-limit-requests"] == "2")
            #expect(replies.first?.headers["x-ratelimit-remaining-requests"] == "1", "\(model)")
            #expect(replies.first?.headers["x-ratelimit-remaining-tokens"] == String(1_000 - cost), "\(model)")
            #expect(replies.last?.headers["x-ratelimit-remaining-requests"] == "0", "\(model)")
            let counts = simulator.statistics().byModel[model]
            #expect(counts?.admitted == 2 && counts?.rateLimited == 1, "\(model)")
            #expect(counts?.chargedTokens == 2 * cost, "\(model)")
        }
    }

    /// Without limits per model (the default) all models share one set of buckets.
    @Test func limitsAreSharedByDefault() async throws {
        let simulator = try await Self.started {
            $0.requestsPerMinute = 2; $0.tokensPerMinute = 1_000
        }
        defer { Task { try? await simulator.stop() } }
        let first = try await Self.post(simulator, "/completions", #"{"model":"gpt-3.5-turbo-instruct","prompt":"hello","max_tokens":5}"#)
        let second = try await Self.post(simulator, "/completions", #"{"model":"gpt-3.5-turbo-instruct","prompt":"hello","max_tokens":5}"#)
        let other = try await Self.post(simulator, "/completions", #"{"model":"davinci-002","prompt":"hello","max_tokens":5}"#)
        let statuses: [Int] = [first.status, second.status, other.status]
        #expect(statuses == [200, 200, 429])
        #expect(simulator.statistics().byModel["davinci-002"]?.rateLimited == 1)
    }

    /// An exhausted quota is 429 insufficient_quota; a wrong key is 401 invalid_api_key.
    @Test func quotaAndKeyErrors() async throws {
        let broke = try await Self.started { $0.insufficientQuota = true }
        let quota = try await Self.post(broke, "/completions", #"{"model":"gpt-3.5-turbo-instruct","prompt":"x"}"#)
        try await broke.stop()
        #expect(quota.status == 429)
        guard case .object(let quotaError)? = quota.body["error"] else { Issue.record("no error"); return }
        #expect(quotaError["code"] == .string("insufficient_quota"))

        let keyed = try await Self.started { $0.requiredAPIKey = "sk-right" }
        let refused = try await Self.post(keyed, "/completions", #"{"model":"gpt-3.5-turbo-instruct","prompt":"x"}"#, key: "sk-wrong")
        try await keyed.stop()
        #expect(refused.status == 401)
        guard case .object(let keyError)? = refused.body["error"] else { Issue.record("no error"); return }
        #expect(keyError["code"] == .string("invalid_api_key"))
    }

    /// A prompt longer than the model's context is refused with context_length_exceeded; an
    /// unknown model with model_not_found.
    @Test func contextAndModelErrors() async throws {
        let simulator = try await Self.started()
        defer { Task { try? await simulator.stop() } }
        let long = String(repeating: "lorem ipsum ", count: 5000)
        let tooLong = try await Self.post(simulator, "/completions", "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":[\"short\",\"\(long)\"]}")
        #expect(tooLong.status == 400)
        guard case .object(let error)? = tooLong.body["error"] else { Issue.record("no error"); return }
        #expect(error["code"] == .string("context_length_exceeded"))
        let unknown = try await Self.post(simulator, "/completions", #"{"model":"gpt-9","prompt":"x"}"#)
        #expect(unknown.status == 404)
        guard case .object(let missing)? = unknown.body["error"] else { Issue.record("no error"); return }
        #expect(missing["code"] == .string("model_not_found"))
    }

    /// Chat, embeddings (float and base64) and moderations answer in OpenAI's shapes.
    @Test func otherEndpointsAnswer() async throws {
        let simulator = try await Self.started()
        defer { Task { try? await simulator.stop() } }
        let chat = try await Self.post(
            simulator, "/chat/completions",
            #"{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Label."},{"role":"user","content":"Review: I love it\nSentiment:"}]}"#)
        #expect(chat.status == 200)
        #expect(chat.body["object"] == .string("chat.completion"))
        let tokenizer = try Tokenizer.shared(.o200k_base)
        let expectedPrompt = tokenizer.chatPromptTokens([
            ChatMessageTokens(role: "system", content: "Label."),
            ChatMessageTokens(role: "user", content: "Review: I love it\nSentiment:"),
        ])
        guard case .object(let usage)? = chat.body["usage"] else { Issue.record("no usage"); return }
        #expect(usage["prompt_tokens"] == .number(String(expectedPrompt)))

        let embedding = try await Self.post(simulator, "/embeddings", #"{"model":"text-embedding-3-small","input":["a","b"],"dimensions":8}"#)
        guard case .array(let data)? = embedding.body["data"], case .object(let first)? = data.first,
            case .array(let vector)? = first["embedding"]
        else { Issue.record("no vector"); return }
        #expect(data.count == 2)
        #expect(vector.count == 8)
        let encoded = try await Self.post(
            simulator, "/embeddings", #"{"model":"text-embedding-3-small","input":"a","dimensions":8,"encoding_format":"base64"}"#)
        guard case .array(let encodedData)? = encoded.body["data"], case .object(let item)? = encodedData.first,
            case .string(let base64)? = item["embedding"]
        else { Issue.record("no base64"); return }
        #expect(Data(base64Encoded: base64)?.count == 32)

        let moderation = try await Self.post(simulator, "/moderations", #"{"model":"omni-moderation-latest","input":["hello","I will kill it"]}"#)
        guard case .array(let results)? = moderation.body["results"], results.count == 2,
            case .object(let flagged)? = results.last
        else { Issue.record("no results"); return }
        #expect(flagged["flagged"] == .bool(true))
    }

    /// Each fault kind happens at its configured rate and is counted.
    @Test func faultsAreInjected() async throws {
        let simulator = try await Self.started {
            $0.faults = SimulatorFaults(serverError500: 0.25, serviceUnavailable503: 0.25, droppedConnection: 0.25, truncatedBody: 0.25)
        }
        defer { Task { try? await simulator.stop() } }
        let transport = AsyncHTTPClientTransport(maximumConnections: 2)
        var statuses: [Int] = []
        var transportErrors = 0
        for _ in 0..<40 {
            do {
                let response = try await transport.send(
                    HTTPRequest(
                        url: simulator.baseURL + "/completions", headers: [("Authorization", "Bearer sk"), ("Content-Type", "application/json")],
                        body: Array(#"{"model":"gpt-3.5-turbo-instruct","prompt":"x"}"#.utf8)), timeout: .seconds(5))
                statuses.append(response.status)
            } catch {
                transportErrors += 1
            }
        }
        await transport.shutdown()
        let statistics = simulator.statistics()
        #expect(statistics.requests == 40)
        #expect(statuses.allSatisfy { $0 == 500 || $0 == 503 })
        #expect(statistics.byStatus[500, default: 0] > 0 && statistics.byStatus[503, default: 0] > 0)
        #expect(statistics.dropped > 0 && statistics.truncated > 0)
        #expect(transportErrors == statistics.dropped + statistics.truncated)
    }
}

/// The transport's timeout covers the whole answer, body included.
@Suite struct TransportTimeoutTests {
    /// A server that sends half a body and then nothing is a timeout, not a hang (a hang
    /// fails at the time limit, which no loaded machine comes near).
    @Test(.timeLimit(.minutes(1))) func stalledBodyTimesOut() async throws {
        var configuration = SimulatorConfiguration()
        configuration.faults = SimulatorFaults(stalledBody: 1)
        let simulator = Simulator(configuration: configuration)
        try await simulator.start()
        let transport = AsyncHTTPClientTransport(maximumConnections: 1)
        do {
            _ = try await transport.send(
                HTTPRequest(
                    url: simulator.baseURL + "/completions", headers: [("Authorization", "Bearer sk"), ("Content-Type", "application/json")],
                    body: Array(#"{"model":"gpt-3.5-turbo-instruct","prompt":"x"}"#.utf8)), timeout: .milliseconds(500))
            Issue.record("a stalled answer was returned")
        } catch {
            #expect(error.kind == .timeout)
        }
        await transport.shutdown()
        try await simulator.stop()
    }
}

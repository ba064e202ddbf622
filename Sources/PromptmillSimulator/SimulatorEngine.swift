import Foundation
import NIOConcurrencyHelpers
import PromptmillCore

/// Turns one received request into the simulator's reply: authentication, quota, request
/// checks, rate limits, faults, then the endpoint's answer. Shared state sits behind a lock;
/// the engine is called from many event loops at once.
final class SimulatorEngine: Sendable {
    struct State {
        /// The buckets by model with `limitsPerModel`, else one set under "".
        var limits: [String: SimulatorLimits] = [:]
        var random: SplitMix
        var statistics = SimulatorStatistics()
        var received: [ReceivedRequest] = []
        var nextID = 0
        var quotaLeft: Int?
        var paidLog: FileHandle?
        var inFlight = 0
        /// Hashes of the prompts answered so far, for the prompt cache.
        var seenPrompts: Set<Int> = []
        /// Hashes of the responses prompts' prefixes (cache key, model, first messages) answered so far.
        var seenPrefixes: Set<Int> = []
        /// The Files API's files by id, and the Batch API's batches in creation order.
        var files: [String: StoredFile] = [:]
        var batches: [SimulatedBatch] = []
        /// Added to the batch clock by `Simulator.advanceBatchTime`.
        var batchTimeOffset = 0.0
    }

    let configuration: SimulatorConfiguration
    let counter: SimulatorTokenCounter
    let catalog: ModelCatalog?
    let state: NIOLockedValueBox<State>
    let clock = ContinuousClock()
    let started = ContinuousClock().now
    /// Unix seconds at `started`: the batch clock's zero.
    let startedUnix = Date().timeIntervalSince1970

    init(configuration: SimulatorConfiguration, counter: SimulatorTokenCounter) {
        self.configuration = configuration
        self.counter = counter
        catalog = try? ModelCatalog.builtIn()
        state = NIOLockedValueBox(
            State(
                random: SplitMix(seed: configuration.seed), quotaLeft: configuration.quotaRequests,
                paidLog: configuration.paidLogPath.flatMap { path in
                    _ = FileManager.default.createFile(atPath: path, contents: nil)
                    return FileHandle(forWritingAtPath: path)
                }))
    }

    /// nil: no quota; otherwise how many more requests are answered.
    func setQuota(requests: Int?) {
        state.withLockedValue { $0.quotaLeft = requests }
    }

    var statistics: SimulatorStatistics {
        let elapsed = elapsedSeconds
        return state.withLockedValue { state in
            settleBatches(&state, now: elapsed + state.batchTimeOffset)
            return state.statistics
        }
    }
    var received: [ReceivedRequest] { state.withLockedValue { $0.received } }

    /// A random number in [0, 1) from the seeded generator.
    func random() -> Double {
        state.withLockedValue { Double($0.random.next() >> 11) / Double(1 << 53) }
    }

    func nextID() -> Int {
        state.withLockedValue { state in
            state.nextID += 1
            return state.nextID
        }
    }

    /// Shuffles `count` indices with the seeded generator.
    func shuffledOrder(_ count: Int) -> [Int] {
        state.withLockedValue { state in
            var order = Array(0..<count)
            if count > 1 {
                for index in stride(from: count - 1, to: 0, by: -1) {
                    order.swapAt(index, Int(state.random.next() % UInt64(index + 1)))
                }
            }
            return order
        }
    }

    func handle(method: String, path: String, headers: [(String, String)], body: [UInt8]) -> SimulatorReply {
        let header = { (name: String) in headers.first { $0.0.lowercased() == name }?.1 }
        let authorization = header("authorization")
        let bearer = authorization.flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        state.withLockedValue { state in
            state.statistics.requests += 1
            state.inFlight += 1
            state.statistics.peakInFlight = max(state.statistics.peakInFlight, state.inFlight)
            if configuration.recordRequests {
                state.received.append(
                    ReceivedRequest(
                        method: method, path: path, hadBearer: bearer != nil,
                        organization: header("openai-organization"), project: header("openai-project"), body: body))
            }
        }
        var echoed: [(String, String)] = [("x-request-id", "req_sim_\(nextID())")]
        if let organization = header("openai-organization") { echoed.append(("openai-organization", organization)) }
        if let project = header("openai-project") { echoed.append(("openai-project", project)) }

        let reply = decide(method: method, path: path, bearer: bearer, contentType: header("content-type"), body: body)
        var final = reply
        final.headers = echoed + reply.headers
        record(final)
        return final
    }

    private func record(_ reply: SimulatorReply) {
        state.withLockedValue { state in
            switch reply.kind {
            case .drop: state.statistics.dropped += 1
            case .truncate, .stall: state.statistics.truncated += 1
            case .answer:
                state.statistics.byStatus[reply.status, default: 0] += 1
                if reply.status == 429 { state.statistics.rateLimited += 1 }
            }
        }
    }

    /// With `promptCaching`, OpenAI's prompt cache: a prompt of 1,024 tokens or more that was
    /// answered before is served from the cache in steps of 128 tokens (its whole length
    /// rounded down to a step). nil when prompt caching is off.
    func cachedPromptTokens(_ texts: [String], _ tokens: [Int]) -> Int? {
        guard configuration.promptCaching else { return nil }
        return state.withLockedValue { state in
            zip(texts, tokens).reduce(0) { total, prompt in
                let seen = !state.seenPrompts.insert(prompt.0.hashValue).inserted
                return total + (seen ? PromptCache.cacheableTokens(prompt.1) : 0)
            }
        }
    }

    /// A reply left (or was dropped): the request is no longer in flight.
    func replied() {
        state.withLockedValue { $0.inFlight -= 1 }
    }

    /// Adds a delivered answer's usage to the statistics.
    func count(usage prompt: Int, _ completion: Int) {
        state.withLockedValue { state in
            state.statistics.promptTokens += prompt
            state.statistics.completionTokens += completion
        }
    }

    private func decide(method: String, path: String, bearer: String?, contentType: String?, body: [UInt8]) -> SimulatorReply {
        let route = path.split(separator: "?").first.map(String.init) ?? path
        if method == "GET", route == "/v1/models" { return modelsList() }
        if Self.isBatchAPI(route) {
            // The Files and Batch APIs answer at once: no live latency, limits or faults.
            var reply = authenticationProblem(bearer) ?? batchAPI(method: method, path: path, contentType: contentType, body: body)
            reply.latency = .zero
            return reply
        }
        if method == "POST", route == "/v1/responses/input_tokens" {
            return authenticationProblem(bearer) ?? inputTokens(body)
        }
        guard method == "POST", let endpoint = Self.endpoints[route] else {
            return .error(404, message: "Invalid URL (\(method) \(route))", type: "invalid_request_error", code: nil)
        }
        if let problem = authenticationProblem(bearer) { return problem }
        if configuration.insufficientQuota || !reserveQuota() {
            return .error(
                429,
                message:
                    "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
                type: "insufficient_quota", code: "insufficient_quota")
        }
        let request: SimulatedRequest
        switch SimulatedRequest.parse(endpoint: endpoint, body: body, engine: self) {
        case .failure(let reply):
            returnQuota()
            return reply
        case .success(let parsed): request = parsed
        }
        return answer(request)
    }

    /// Whether the quota (or `insufficientQuota`) refuses every request now.
    var quotaExhausted: Bool {
        configuration.insufficientQuota || state.withLockedValue { $0.quotaLeft.map { $0 <= 0 } ?? false }
    }

    /// Takes one answer of the quota, if there is one: checked and taken under one lock, so
    /// requests arriving together never get more answers than the quota holds.
    private func reserveQuota() -> Bool {
        state.withLockedValue { state in
            guard let left = state.quotaLeft else { return true }
            guard left > 0 else { return false }
            state.quotaLeft = left - 1
            return true
        }
    }

    /// Gives back a request's answer of the quota: it was not answered (refused, limited, a fault).
    private func returnQuota() {
        state.withLockedValue { state in
            if let left = state.quotaLeft { state.quotaLeft = left + 1 }
        }
    }

    /// 401 without a bearer token, or with the wrong one when `requiredAPIKey` is set.
    func authenticationProblem(_ bearer: String?) -> SimulatorReply? {
        guard let bearer, !bearer.isEmpty else {
            return .error(
                401,
                message:
                    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                type: "invalid_request_error", code: nil)
        }
        if let required = configuration.requiredAPIKey, bearer != required {
            return .error(
                401, message: "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
                type: "invalid_request_error", code: "invalid_api_key")
        }
        return nil
    }

    /// A checked request past the rate limits and faults to its answer, paid and logged.
    private func answer(_ request: SimulatedRequest) -> SimulatorReply {
        let tier = request.serviceTier
        if tier == "flex", let refusal = flexRefusal() {
            returnQuota()
            return refusal
        }
        let (verdict, limitHeaders) = admit(request)
        if case .limited(let kind, let wait, let limit, let used, let requested) = verdict {
            let unit = kind == "requests" ? "requests per min (RPM)" : "tokens per min (TPM)"
            let seconds = String(format: "%.3g", max(0.001, wait))
            let message =
                "Rate limit reached for \(request.model) in organization org-simulator on \(unit): Limit \(limit), Used \(used), Requested \(requested). Please try again in \(seconds)s. Visit https://platform.openai.com/account/rate-limits to learn more."
            let milliseconds = Int((wait * 1000).rounded(.up))
            returnQuota()
            return .error(
                429, message: message, type: kind, code: "rate_limit_exceeded",
                headers: limitHeaders + [("retry-after-ms", String(milliseconds)), ("retry-after", String(Int(wait.rounded(.up))))])
        }
        if let fault = drawFault() {
            returnQuota()
            var reply = fault
            reply.headers += limitHeaders
            if reply.kind == .truncate || reply.kind == .stall {
                let answer = request.answer(engine: self)
                reply.body = answer.body
            }
            return reply
        }
        let answer = request.answer(engine: self)
        count(usage: answer.promptTokens, answer.completionTokens)
        state.withLockedValue { state in
            Self.logPaid(
                &state, time: Date().timeIntervalSince1970, texts: request.texts, prompt: answer.promptTokens,
                completion: answer.completionTokens, marks: tier == "default" ? [] : [("service_tier", tier)])
        }
        let latency = configuration.latency + (tier == "flex" ? configuration.flexLatency : .zero)
        var reply = SimulatorReply.json(
            200, answer.body, headers: limitHeaders + [("openai-processing-ms", String(max(1, Int(latency / .milliseconds(1)))))])
        reply.latency = latency
        reply.stream = SimulatorStream(request)
        return reply
    }

    /// Takes the request's cost from its buckets (its model's with `limitsPerModel`, created
    /// full on the model's first request) and counts the verdict for its model; returns the
    /// verdict and the buckets' headers.
    private func admit(_ request: SimulatedRequest) -> (SimulatorLimits.Verdict, [(String, String)]) {
        let now = clock.now
        let key = configuration.limitsPerModel ? request.model : ""
        return state.withLockedValue { state in
            var limits =
                state.limits[key]
                ?? SimulatorLimits(
                    requestsPerMinute: configuration.requestsPerMinute,
                    tokensPerMinute: configuration.tokensPerMinute, now: now)
            let verdict = limits.admit(cost: request.rateLimitCost, now: now)
            state.limits[key] = limits
            var counts = state.statistics.byModel[request.model] ?? SimulatorModelStatistics()
            switch verdict {
            case .allowed:
                let seconds = (now - started) / .seconds(1)
                counts.admitted += 1
                counts.chargedTokens += request.rateLimitCost
                counts.firstAdmitted = counts.firstAdmitted ?? seconds
                counts.lastAdmitted = seconds
            case .limited:
                counts.rateLimited += 1
            }
            state.statistics.byModel[request.model] = counts
            return (verdict, limits.headers)
        }
    }

    private func drawFault() -> SimulatorReply? {
        let faults = configuration.faults
        guard faults.total > 0 else { return nil }
        var draw = random()
        if draw < faults.serverError500 {
            return .error(500, message: "The server had an error while processing your request. Sorry about that!", type: "server_error", code: nil)
        }
        draw -= faults.serverError500
        if draw < faults.serviceUnavailable503 {
            return .error(503, message: "The engine is currently overloaded, please try again later.", type: "server_error", code: nil)
        }
        draw -= faults.serviceUnavailable503
        if draw < faults.droppedConnection { return SimulatorReply(kind: .drop, status: 0, headers: [], body: []) }
        draw -= faults.droppedConnection
        if draw < faults.truncatedBody { return SimulatorReply(kind: .truncate, status: 200, headers: [], body: []) }
        draw -= faults.truncatedBody
        if draw < faults.stalledBody { return SimulatorReply(kind: .stall, status: 200, headers: [], body: []) }
        return nil
    }

    private func modelsList() -> SimulatorReply {
        var writer = JSONWriter()
        writer.raw("{\"object\":\"list\",\"data\":[")
        for (index, model) in Self.listedModels.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw("{\"id\":")
            writer.string(model)
            writer.raw(",\"object\":\"model\",\"created\":1700000000,\"owned_by\":\"openai\"}")
        }
        writer.raw("]}")
        return .json(200, writer.bytes)
    }

    static let endpoints: [String: Endpoint] = [
        "/v1/completions": .completions, "/v1/chat/completions": .chat, "/v1/embeddings": .embeddings, "/v1/moderations": .moderations,
        "/v1/responses": .responses,
    ]

    static let listedModels = [
        "gpt-3.5-turbo-instruct", "davinci-002", "babbage-002", "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini",
        "gpt-4.1-nano", "gpt-5", "gpt-5-mini", "gpt-5-nano", "o3", "o4-mini", "text-embedding-3-small",
        "text-embedding-3-large", "text-embedding-ada-002", "omni-moderation-latest",
    ]
}

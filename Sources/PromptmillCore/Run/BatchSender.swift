import Logging
import PromptmillTokenizer

/// Sends one batch of rows as one completions request, retrying what can be retried, and
/// maps the answer back onto the rows.
struct BatchSender: Sendable {
    /// What one batch came to.
    struct Report: Sendable {
        var results: [RowResult]
        var requests = 0
        var retries = 0
        var rateLimited = 0
        /// Rows given back without a record: the budget had no room to retry them.
        var unsent: [PreparedRow] = []
    }

    let configuration: PipelineConfiguration
    let transport: any HTTPTransport
    let policy: RetryPolicy
    let clock: any Clock<Duration>
    let throttle: any SendThrottle
    /// Counts completions' tokens, for splitting a request's usage over its rows.
    let tokenizer: Tokenizer
    /// The most completion tokens one prompt may cost: `max_tokens` × max(n, best_of).
    let completionBudget: Int
    /// Seeds the backoff jitter; nil: the system's random source.
    var seed: UInt64?
    /// Where answers are kept as soon as they arrive, before their records are written:
    /// a run stopped in between does not pay for them again.
    var cache: ResponseCache? = nil
    /// The job generation that pays, stored with each answer.
    var generation = JobGeneration(bytes: Array(repeating: 0, count: 16))
    var logger = Logger(label: "promptmill")
    /// The model's prices; nil when it has none (costs are then unknown).
    var prices: ModelPrices? = nil
    /// Keeps spend under the budget; nil without prices.
    var spend: SpendGuard? = nil

    /// What `rows` may cost at most: what the budget reserves before they are sent.
    func worstCase(_ rows: [PreparedRow]) -> Money {
        guard let prices else { return .zero }
        return prices.worstCase(promptTokens: rows.reduce(0) { $0 + $1.promptTokens },
                                completionTokens: rows.count * completionBudget)
    }

    /// `tokenCost`: what the request reserves against tokens-per-minute, counted as OpenAI
    /// counts it (prompt tokens plus the most completion tokens the prompts may use).
    /// `reserved`: the caller has reserved the first attempt's worst case with `spend`;
    /// every later attempt reserves its own.
    func send(_ rows: [PreparedRow], tokenCost: Int, reserved: Bool = false) async throws(JobStop) -> Report {
        let n = APIRequest.choicesPerPrompt(configuration.params)
        let request = HTTPRequest(url: configuration.api.baseURL + configuration.endpoint.path,
                                  headers: headers(),
                                  body: APIRequest.body(configuration, rows: rows))
        var report = Report(results: [])
        var random = JitterSource(seed: seed.map { $0 ^ UInt64(rows.first?.number ?? 0) })
        var attempt = 0
        let worst = worstCase(rows)
        while true {
            attempt += 1
            if let spend, attempt > 1 || !reserved, !(await spend.reserve(worst)) {
                report.unsent = rows
                return report
            }
            do {
                try await throttle.acquire(tokenCost: tokenCost)
            } catch {
                spend?.release(worst)
                throw .interrupted
            }
            report.requests += 1
            let outcome: RetryPolicy.Outcome
            do {
                let response = try await transport.send(request, timeout: configuration.limits.timeout)
                await throttle.observe(RateLimitHeaders(response))
                if response.status == 200 {
                    do {
                        let answer = try APIResponse.parse(response.body, endpoint: configuration.endpoint, rowCount: rows.count,
                                                           choicesPerPrompt: n, tokenizer: tokenizer)
                        await throttle.settle(reservedTokens: tokenCost, usedTokens: answer.usage.promptTokens + answer.usage.completionTokens)
                        report.results = results(rows, answer, attempts: attempt)
                        // Cached before the reservation is settled: a kill in between counts
                        // the answer twice against the budget, never not at all.
                        await store(report.results)
                        spend?.settle(reserved: worst, cost: prices?.cost(of: answer.usage) ?? .zero)
                        return report
                    } catch {
                        // A 200 is billed even when its body is of no use.
                        spend?.hold(worst)
                        outcome = .unusable(error.description)
                    }
                } else {
                    // An error answer is not billed.
                    spend?.release(worst)
                    if response.status == 429 { report.rateLimited += 1 }
                    outcome = .http(status: response.status, error: APIErrorBody.parse(response.body, status: response.status),
                                    retryAfter: Self.retryAfter(response))
                }
            } catch {
                // The request may have been served and billed before the connection failed.
                spend?.hold(worst)
                outcome = .transport(error)
            }
            if Task.isCancelled { throw .interrupted }
            let decision = policy.decide(outcome, attempt: attempt, model: configuration.model, random: &random)
            if case .http(429, _, _) = outcome, case .retry(let delay) = decision {
                // The limit is the account's: hold every send, not only this one.
                await throttle.pause(for: delay)
            }
            switch decision {
            case .retry(let delay):
                report.retries += 1
                do {
                    try await clock.sleep(for: delay)
                } catch {
                    throw .interrupted
                }
            case .giveUp(let failure):
                if failure.status == 400, rows.count > 1, Self.concernsPrompts(failure) {
                    // One bad prompt fails the whole request: halve the batch until only the
                    // bad prompts are left to fail, each alone.
                    return try await split(rows, after: report, attempts: attempt)
                }
                report.results = rows.map { RowResult(row: $0, outcome: .failed(failure), attempts: attempt) }
                return report
            case .stop(let stop):
                throw stop
            }
        }
    }

    /// Keeps the answers in the cache. A cache that cannot be written costs only the
    /// protection against paying twice after a kill: the run goes on, with a warning.
    private func store(_ results: [RowResult]) async {
        guard let cache else { return }
        var entries: [ResponseCache.Entry] = []
        entries.reserveCapacity(results.count)
        for result in results {
            guard case .completed(let output, let finishReason, let usage) = result.outcome, let key = result.row.cacheKey else { continue }
            entries.append(ResponseCache.Entry(key: key, output: output, finishReason: finishReason,
                                               usage: usage, paidBy: CachePayer(generation: generation, row: result.row.number)))
        }
        do {
            try await cache.store(entries, model: configuration.model)
        } catch {
            logger.warning("\(error)")
        }
    }

    private func split(_ rows: [PreparedRow], after report: Report, attempts: Int) async throws(JobStop) -> Report {
        var combined = report
        let middle = rows.count / 2
        for half in [Array(rows[..<middle]), Array(rows[middle...])] {
            let cost = half.reduce(0) { $0 + $1.promptTokens + completionBudget }
            var part = try await send(half, tokenCost: cost)
            for index in part.results.indices { part.results[index].attempts += attempts }
            combined.results += part.results
            combined.requests += part.requests
            combined.retries += part.retries
            combined.rateLimited += part.rateLimited
            combined.unsent += part.unsent
        }
        return combined
    }

    /// A 400 that names a parameter other than the prompt is the same for every row: no split.
    static func concernsPrompts(_ failure: RowFailure) -> Bool {
        failure.parameter == nil || ["prompt", "messages", "input"].contains(failure.parameter!)
    }

    private func headers() -> [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = [
            ("Authorization", "Bearer " + configuration.api.apiKey),
            ("Content-Type", "application/json"),
            ("Accept", "application/json"),
            ("User-Agent", "promptmill/0.1"),
        ]
        if let organization = configuration.api.organization { headers.append(("OpenAI-Organization", organization)) }
        if let project = configuration.api.project { headers.append(("OpenAI-Project", project)) }
        return headers
    }

    /// Splits the request's usage over its rows: prompt tokens by each prompt's weight,
    /// completion tokens by the weight of each row's answers.
    private func results(_ rows: [PreparedRow], _ answer: APIResponse, attempts: Int) -> [RowResult] {
        // Each row's share is its own token count, adjusted (largest remainder) so the rows
        // add up to exactly what the API reported for the request.
        let prompts = UsageSplitter.split(answer.usage.promptTokens, weights: rows.map(\.promptTokens))
        let completions = UsageSplitter.split(answer.usage.completionTokens, weights: answer.rows.map(\.completionWeight))
        // Cached prompt tokens go with each row's prompt share: never more than the share.
        let cached = UsageSplitter.split(answer.usage.cachedPromptTokens, weights: prompts)
        return rows.indices.map { index in
            let usage = TokenUsage(promptTokens: prompts[index], completionTokens: completions[index], cachedPromptTokens: cached[index])
            return RowResult(row: rows[index],
                             outcome: .completed(output: answer.rows[index].output, finishReason: answer.rows[index].finishReason, usage: usage),
                             attempts: attempts)
        }
    }

    /// `retry-after-ms` (OpenAI's, in milliseconds), else `retry-after` in seconds.
    static func retryAfter(_ response: HTTPResponse) -> Duration? {
        if let text = response.header("retry-after-ms"), let milliseconds = Double(text), milliseconds >= 0 {
            return .milliseconds(Int64(milliseconds.rounded(.up)))
        }
        if let text = response.header("retry-after"), let seconds = Double(text), seconds >= 0 {
            return .milliseconds(Int64((seconds * 1000).rounded(.up)))
        }
        return nil
    }
}

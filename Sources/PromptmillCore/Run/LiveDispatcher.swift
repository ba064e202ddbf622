import Logging
import PromptmillTokenizer

/// Today's dispatcher: sends each planned request over HTTP as soon as the step's rate
/// limiter allows, retries by `RetryPolicy`, halves a batch a 400 blames on its prompts, and
/// hands every answer to the `Settler`. Each attempt reserves its worst case under the
/// budget first; an error answer gives it back, a request of unknown fate keeps it as spent.
struct LiveDispatcher: RequestDispatcher {
    /// The step, as a one-step pipeline: endpoint, model, params, limits, API.
    let configuration: PipelineConfiguration
    let transport: any HTTPTransport
    let policy: RetryPolicy
    let clock: any Clock<Duration>
    /// The step's model's rate limits.
    let throttle: any SendThrottle
    let settler: Settler
    /// The most completion tokens one prompt may cost: `max_tokens` × max(n, best_of).
    let completionBudget: Int
    /// Counts completions' tokens, for splitting a request's usage over its rows.
    let tokenizer: Tokenizer
    /// Seeds the backoff jitter; nil: the system's random source.
    var seed: UInt64?

    var prices: ModelPrices? { settler.prices }
    var spend: SpendGuard? { settler.spend }

    /// The request's first attempt has been reserved under a cap by the flow (see
    /// `BudgetGate`); every later attempt reserves its own.
    func dispatch(_ request: PlannedRequest) async throws(JobStop) -> DispatchReport {
        try await send(request.rows, tokenCost: request.tokenCost, reserved: spend?.cap != nil)
    }

    /// `tokenCost`: what the request reserves against tokens-per-minute, counted as OpenAI
    /// counts it (prompt tokens plus the most completion tokens the prompts may use).
    /// `reserved`: the caller has reserved the first attempt's worst case with `spend`.
    func send(_ rows: [PreparedRow], tokenCost: Int, reserved: Bool = false) async throws(JobStop) -> DispatchReport {
        let n = APIRequest.choicesPerPrompt(configuration.params)
        let request = HTTPRequest(
            url: configuration.api.baseURL + configuration.endpoint.path,
            headers: headers(),
            body: APIRequest.body(configuration, rows: rows))
        var report = DispatchReport()
        var random = JitterSource(seed: seed.map { $0 ^ UInt64(rows.first?.number ?? 0) })
        var attempt = 0
        let worst = rows.worstCase(prices: prices, completionBudget: completionBudget)
        while true {
            attempt += 1
            if let spend, attempt > 1 || !reserved, !(await spend.reserve(worst)) {
                report.unsent = rows
                return report
            }
            do {
                try await throttle.acquire(tokenCost: tokenCost)
            } catch {
                await spend?.release(worst)
                throw .interrupted
            }
            report.requests += 1
            let outcome: RetryPolicy.Outcome
            do {
                let response = try await transport.send(request, timeout: configuration.limits.timeout)
                await throttle.observe(RateLimitHeaders(response))
                if response.status == 200 {
                    do {
                        let answer = try APIResponse.parse(
                            response.body, endpoint: configuration.endpoint, rowCount: rows.count,
                            choicesPerPrompt: n, tokenizer: tokenizer)
                        await throttle.settle(reservedTokens: tokenCost, usedTokens: answer.usage.promptTokens + answer.usage.completionTokens)
                        report.results = await settler.settle(rows, answer, reserved: worst, attempts: attempt)
                        return report
                    } catch {
                        // A 200 is billed even when its body is of no use.
                        await spend?.hold(worst)
                        outcome = .unusable(error.description)
                    }
                } else {
                    // An error answer is not billed.
                    await spend?.release(worst)
                    if response.status == 429 { report.rateLimited += 1 }
                    outcome = .http(
                        status: response.status, error: APIErrorBody.parse(response.body, status: response.status),
                        retryAfter: RetryAfter.wait(in: response))
                }
            } catch {
                // The request may have been served and billed before the connection failed.
                await spend?.hold(worst)
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

    private func split(_ rows: [PreparedRow], after report: DispatchReport, attempts: Int) async throws(JobStop) -> DispatchReport {
        var combined = report
        let middle = rows.count / 2
        for half in [Array(rows[..<middle]), Array(rows[middle...])] {
            let cost = half.tokenCost(completionBudget: completionBudget)
            var part = try await send(half, tokenCost: cost)
            for index in part.results.indices { part.results[index].attempts += attempts }
            combined.add(part)
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
}

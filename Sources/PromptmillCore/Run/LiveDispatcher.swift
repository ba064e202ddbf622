import Foundation
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
    /// What the job has heard from the server, shared by every step.
    let contact: ServerContact
    /// Seeds the backoff jitter; nil: the system's random source.
    var seed: UInt64?
    /// Flex requests (`params.service_tier: flex`): when a row that met flex's capacity 429
    /// goes at the standard tier instead; nil: it never does (it retries at flex).
    var flexSwitch: FlexSwitch?
    /// Where the run's timeline and live metrics hear of each attempt; nil: nowhere.
    var telemetry: StepTelemetry?
    /// The step's first request streams, so its head teaches the limits before its whole
    /// answer is in (`HeadProbe`); nil: nothing streams (a batch step, or a step whose
    /// parameters `StreamedAnswer` cannot put back together).
    var headProbe: HeadProbe?

    /// The tier the requests ask for (`params.service_tier`).
    var requestedTier: ServiceTier {
        if case .string(let name)? = configuration.params["service_tier"], let tier = ServiceTier(rawValue: name) { return tier }
        return .standard
    }

    var prices: ModelPrices? { settler.prices }
    var spend: SpendGuard? { settler.spend }

    /// The request's first attempt has been reserved under a cap by the flow (see
    /// `BudgetGate`); every later attempt reserves its own.
    func dispatch(_ request: PlannedRequest) async throws(JobStop) -> DispatchReport {
        do {
            return try await send(request.rows, tokenCost: request.tokenCost, reserved: spend?.cap != nil)
        } catch {
            throw contact.stopped(error)
        }
    }

    /// `tokenCost`: what the request reserves against tokens-per-minute, counted as OpenAI
    /// counts it (prompt tokens plus the most completion tokens the prompts may use).
    /// `reserved`: the caller has reserved the first attempt's worst case with `spend`.
    func send(_ rows: [PreparedRow], tokenCost: Int, reserved: Bool = false) async throws(JobStop) -> DispatchReport {
        let n = APIRequest.choicesPerPrompt(configuration.params)
        var tier = requestedTier
        var flexRefusals = 0
        var request = HTTPRequest(
            url: configuration.api.baseURL + configuration.endpoint.path,
            headers: configuration.api.requestHeaders,
            body: APIRequest.body(configuration, rows: rows))
        // The step's first request streams its first attempt (the head comes before the first
        // token); any later attempt goes whole.
        let probing = headProbe?.claim() ?? false
        var streams = probing
        if streams { request.body = APIRequest.body(StreamedAnswer.streaming(configuration), rows: rows) }
        // However the request ends, the flow stops waiting for its head.
        defer { if probing { headProbe?.resolve(heardLimits: false) } }
        var report = DispatchReport()
        var random = JitterSource(seed: seed.map { $0 ^ UInt64(rows.first?.number ?? 0) })
        var attempt = 0
        let worst = rows.worstCase(prices: prices, completionBudget: completionBudget)
        // Every send reserves its worst case but the first when the flow has; each ends by
        // releasing, holding or settling it. (Counted apart from `attempt`, which a refusal
        // that is no attempt of the row's, flex's or a streaming refusal, gives back.)
        var flowReserved = reserved
        while true {
            attempt += 1
            if let spend, !flowReserved, !(await spend.reserve(worst)) {
                report.unsent = rows
                return report
            }
            flowReserved = false
            let ticket: ThrottleTicket
            do {
                ticket = try await acquire(tokenCost: tokenCost)
            } catch {
                await spend?.release(worst)
                throw error
            }
            contact.sent(tier: tier)
            telemetry?.sending(prompts: rows.count)
            if tier == .flex { flexSwitch?.sending(now: Date()) }
            var outcome: RetryPolicy.Outcome?
            var answered: (response: APIResponse, latency: Duration)?
            let streamed = streams
            let stopwatch = clock.stopwatch()
            do {
                let timeout = configuration.limits.timeout(for: tier)
                let response: HTTPResponse
                if streamed, let headProbe {
                    let throttle = throttle
                    response = try await transport.send(request, timeout: timeout) { head in
                        let limits = RateLimitHeaders(head)
                        await throttle.observe(limits, ticket: ticket)
                        headProbe.resolve(heardLimits: limits.limitRequests != nil || limits.limitTokens != nil)
                    }
                } else {
                    response = try await transport.send(request, timeout: timeout)
                }
                let latency = stopwatch.elapsed()
                await throttle.observe(RateLimitHeaders(response), ticket: ticket)
                if response.status == 200 {
                    var body = response.body
                    do {
                        if streamed, StreamedAnswer.isEventStream(response) {
                            body = try StreamedAnswer.whole(response.body, endpoint: configuration.endpoint)
                        }
                        let parsed = try APIResponse.parse(
                            body, endpoint: configuration.endpoint, promptTokens: rows.map(\.promptTokens),
                            choicesPerPrompt: n, tokenizer: tokenizer)
                        answered = (parsed, latency)
                    } catch {
                        contact.heard(success: false)
                        if let embedded = APIErrorBody.embedded(in: body) {
                            // A 200 whose body is an error object (some proxies answer so):
                            // the error it says, not an answer, and not billed.
                            await spend?.release(worst)
                            if embedded.status == 429 {
                                contact.rateLimited()
                                telemetry?.rateLimited()
                            }
                            outcome = .http(status: embedded.status, error: embedded.error, retryAfter: RetryAfter.wait(in: response))
                        } else {
                            // A 200 is billed even when its body is of no use.
                            await spend?.hold(worst)
                            outcome = .unusable(error)
                        }
                    }
                } else {
                    contact.heard(success: false)
                    // An error answer is not billed.
                    await spend?.release(worst)
                    if response.status == 429 {
                        contact.rateLimited()
                        telemetry?.rateLimited()
                    }
                    outcome = .http(
                        status: response.status, error: APIErrorBody.parse(response.body, status: response.status),
                        retryAfter: RetryAfter.wait(in: response))
                }
                telemetry?.answered(status: response.status, after: latency, usage: answered?.response.usage, rows: rows)
            } catch {
                telemetry?.lost(after: stopwatch.elapsed(), rows: rows)
                if error.kind == .unreachable {
                    // The request never reached a server: nothing was billed.
                    await spend?.release(worst)
                    if !contact.reached, attempt >= Self.unreachableAttempts {
                        throw .unreachable(url: configuration.api.baseURL, cause: error.detail)
                    }
                } else {
                    // The request may have been served and billed before the connection failed.
                    await spend?.hold(worst)
                }
                outcome = .transport(error)
            }
            if streamed {
                // The head has come (or never will): later attempts go whole.
                streams = false
                headProbe?.resolve(heardLimits: false)
                request.body = APIRequest.body(configuration, rows: rows)
            }
            if let answered {
                var answer = answered.response
                answer.check(rows: rows, configuration: configuration, tokenizer: tokenizer)
                contact.heard(success: true)
                report.latency = answered.latency
                await throttle.settle(reservedTokens: tokenCost, usedTokens: answer.usage.promptTokens + answer.usage.completionTokens)
                let results = await settler.settle(rows, answer, reserved: worst, attempts: attempt)
                flexSwitch?.answered(rows.count)
                return try await sendAgain(results, after: report)
            }
            guard let outcome else { preconditionFailure("an attempt ends in an answer or an outcome") }
            if streamed, case .http(let status, let error, _) = outcome, Self.refusesStreaming(status: status, error) {
                // Some compatible servers refuse `stream` or `stream_options` ("Unrecognized
                // request argument supplied: stream_options"): send it again whole at once. The
                // refusal cost nothing and is no attempt of the row's, as flex's refusals are not.
                if Task.isCancelled { throw .interrupted }
                if let stop = contact.stop { throw stop }
                attempt -= 1
                continue
            }
            if tier == .flex, case .http(429, let error, _) = outcome, Self.flexCapacity(error) {
                // Flex's own capacity, not the account's rate limit or quota: no pause for
                // the job; back off and retry at flex, or go at standard when the deadline
                // needs it (platform.openai.com/docs/guides/flex-processing).
                contact.flexUnavailable()
                flexRefusals += 1
                let delay = policy.backoff(attempt: flexRefusals, random: &random)
                if flexSwitch?.deadline == nil, flexRefusals > policy.maxRetries {
                    // No deadline to switch by: after max_retries refusals the rows wait for
                    // the next run, pending (flex had no room), never failed.
                    let failure = RowFailure(
                        type: "flex_unavailable", message: "flex had no capacity for \(flexRefusals) tries in a row (429 resource_unavailable)",
                        status: 429, transient: true)
                    report.results = rows.map { RowResult(row: $0, outcome: .failed(failure), attempts: attempt) }
                    return report
                }
                if let flexSwitch, flexSwitch.goStandard(now: Date(), wait: delay) {
                    tier = .standard
                    contact.switchedToStandard()
                    var standard = configuration
                    standard.params.append("service_tier", .string(ServiceTier.standard.rawValue))
                    request.body = APIRequest.body(standard, rows: rows)
                    continue
                }
                do {
                    try await clock.sleep(for: delay)
                } catch {
                    throw .interrupted
                }
                attempt -= 1
                continue
            }
            if Self.saysOverloaded(outcome, reached: contact.reached) { contact.overloaded() }
            if Task.isCancelled { throw .interrupted }
            if let stop = contact.stop {
                // Another request stopped the job: no retry, no split.
                throw stop
            }
            let decision = policy.decide(outcome, attempt: attempt, model: configuration.model, random: &random)
            if case .http(429, _, _) = outcome, case .retry(let delay) = decision {
                // The limit is the account's: hold every send, not only this one.
                await throttle.pause(for: delay)
            }
            switch decision {
            case .retry(let delay):
                contact.retried()
                telemetry?.retried(RetryCause(outcome))
                do {
                    try await clock.sleep(for: delay)
                } catch {
                    throw .interrupted
                }
            case .giveUp(let failure):
                let splits = failure.status == 400 && rows.count > 1 && Self.concernsPrompts(failure)
                if !failure.transient, !contact.succeeded, !splits, contact.refusedAlike(failure) >= Self.refusalsAlike {
                    // Nothing has been answered, and request after request is refused alike
                    // for good: the account or the request, not a row.
                    throw .refusedEverywhere(status: failure.status ?? 0, code: failure.type, message: failure.message)
                }
                if splits {
                    // One bad prompt fails the whole request: halve the batch until only
                    // the bad prompts are left to fail, each alone.
                    return try await split(rows, after: report, attempts: attempt)
                }
                report.results = rows.map { RowResult(row: $0, outcome: .failed(failure), attempts: attempt) }
                return report
            case .stop(let stop):
                if case .serverWait(let wait, nil, let status, let message) = stop {
                    throw .serverWait(wait: wait, until: Date().addingTimeInterval(Self.seconds(wait)), status: status, message: message)
                }
                throw stop
            }
        }
    }

    /// Rows whose answer could not be kept (it broke the schema, or a packed answer lost the
    /// row) go again: by halves while more than one, then alone up to `max_schema_retries`
    /// times; after that their failure is their record. What each answer cost stays with the
    /// row (`PreparedRow.spent`), so its record carries every attempt.
    func sendAgain(_ results: [RowResult], after report: DispatchReport) async throws(JobStop) -> DispatchReport {
        var report = report
        var again: [PreparedRow] = []
        for result in results {
            guard case .failed(let failure) = result.outcome, failure.sendAgain else {
                report.results.append(result)
                continue
            }
            let packedWithOthers = results.count > 1
            guard packedWithOthers || result.row.schemaRetries < configuration.maxSchemaRetries else {
                var final = failure
                final.sendAgain = false
                report.results.append(RowResult(row: result.row, outcome: .failed(final), attempts: result.attempts))
                continue
            }
            var row = result.row
            // The settler has added what the row cost before to its failure's usage.
            row.spent = failure.usage ?? row.spent
            row.sentAgain += 1
            if !packedWithOthers { row.schemaRetries += 1 }
            again.append(row)
        }
        guard !again.isEmpty else { return report }
        let half = again.count > 1 ? (again.count + 1) / 2 : again.count
        for start in stride(from: 0, to: again.count, by: half) {
            let part = Array(again[start..<min(start + half, again.count)])
            // A request sent again is a retry, in the summary as in the metrics and timeline.
            contact.retried()
            telemetry?.retried(.schemaMismatch)
            report.add(try await send(part, tokenCost: part.tokenCost(completionBudget: completionBudget)))
        }
        return report
    }

    /// Flex's "resource unavailable" 429: OpenAI's answer when flex has no capacity; not
    /// a rate limit (no `rate_limit_exceeded`) and not the quota (`insufficient_quota`).
    static func flexCapacity(_ error: APIErrorBody) -> Bool {
        if error.code == "insufficient_quota" || error.code == "rate_limit_exceeded" { return false }
        return error.code == "resource_unavailable" || error.type == "resource_unavailable"
            || error.message.lowercased().contains("resource unavailable")
    }

    /// A 400 or 422 that names `stream` or `stream_options`, as its `param` or as a word of
    /// its message ("upstream" is not one): the server takes no streamed requests.
    static func refusesStreaming(status: Int, _ error: APIErrorBody) -> Bool {
        guard status == 400 || status == 422 else { return false }
        if let param = error.param, ["stream", "stream_options"].contains(param) { return true }
        let words = error.message.lowercased().split { !($0.isLetter || $0.isNumber || $0 == "_") }
        return words.contains("stream") || words.contains("stream_options")
    }

    /// Requests refused alike for good (single rows, or batches that are not split), with
    /// nothing answered yet, before the job stops.
    static let refusalsAlike = 3

    /// Attempts at a server that cannot be reached before a job that has heard nothing
    /// from it stops: a wrong `base_url` should cost seconds, not an hour of retries.
    static let unreachableAttempts = 3

    /// Whether an attempt's outcome says the server has more requests than it can take:
    /// a gateway or overload status (502, 503, 504; 529 is Anthropic's and some proxies'
    /// "overloaded"), a timeout, or a connection dropped, or refused once the server had
    /// answered (its accept queue was full). A 500 is a fault, not a sign of load.
    static func saysOverloaded(_ outcome: RetryPolicy.Outcome, reached: Bool) -> Bool {
        switch outcome {
        case .http(let status, _, _): [502, 503, 504, 529].contains(status)
        case .transport(let error):
            switch error.kind {
            case .timeout, .connection: true
            case .unreachable: reached
            case .truncated: false
            }
        case .unusable: false
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// A 400 that names a parameter other than the prompt is the same for every row: no split.
    static func concernsPrompts(_ failure: RowFailure) -> Bool {
        failure.parameter == nil || ["prompt", "messages", "input"].contains(failure.parameter!)
    }
}

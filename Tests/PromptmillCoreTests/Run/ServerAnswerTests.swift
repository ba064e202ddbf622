import Foundation
import Synchronization
import Testing
@testable import PromptmillCore
import PromptmillTesting
import PromptmillTokenizer

/// Answers real servers give outside the happy shape (issue 13), each as a job run with
/// promptmill's real HTTP transport against a loopback server that answers byte for byte
/// as the test says, on the test clock (waits are recorded, not slept).
@Suite struct ServerAnswerTests {
    typealias Flow = RowFlowTests

    static func chatPipeline(_ extra: String = "", params: String = "{max_tokens: 5}") -> String {
        """
        name: flow
        input: {path: rows.jsonl}
        endpoint: chat
        model: gpt-4o-mini
        messages: [{role: user, content: "{{text}}"}]
        params: \(params)
        output: {path: out.jsonl.gz}
        \(extra)
        """
    }

    /// The user message of a chat request.
    static func message(_ request: HTTPRequest) -> String {
        guard case .object(let body)? = try? request.body.withUnsafeBytes({ try JSONParser.parse($0) }),
            case .array(let messages)? = body["messages"], case .object(let last)? = messages.last,
            case .string(let content)? = last["content"]
        else { return "" }
        return content
    }

    static func chatAnswer(_ content: String?, finish: String = "stop", refusal: String? = nil, usage: Bool = true) -> HTTPResponse {
        let text = content.map { "\"\($0)\"" } ?? "null"
        let refusalText = refusal.map { ",\"refusal\":\"\($0)\"" } ?? ""
        let usageText = usage ? ",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}" : ""
        return .json(
            200,
            "{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\(text)\(refusalText)},\"finish_reason\":\"\(finish)\"}]\(usageText)}"
        )
    }

    static func summary(_ job: Flow.Job) throws -> JSONObject {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: job.directory.path + "/out.jsonl.gz.summary.json")))
        guard case .object(let object) = try bytes.withUnsafeBytes({ try JSONParser.parse($0) }) else { return JSONObject() }
        return object
    }

    // MARK: - The six reproductions

    /// 1. A CSV whose lines end in a lone CR (classic Mac, some Excel exports): every row
    /// is read and answered.
    @Test func crOnlyCSVRowsAreAllRead() async throws {
        let job = try Flow.Job(pipeline: Flow.pipeline().replacingOccurrences(of: "rows.jsonl", with: "rows.csv"), rows: [])
        try job.directory.write("rows.csv", "review_id,text\r1,good kettle\r2,bad lid\r3,fine\r")
        let server = try await LoopbackServer.started { request, _ in Flow.echo(request) }
        let (report, records) = try await job.run(over: server)
        #expect(report.complete)
        #expect(Set(Flow.outputs(records).values) == ["answer: good kettle", "answer: bad lid", "answer: fine"])
    }

    /// 2. Answers without `usage`: each kept once (one request), with its usage counted
    /// exactly by promptmill and marked so in the record and the summary.
    @Test func answersWithoutUsageAreKeptOnceWithCountedUsage() async throws {
        let job = try Flow.Job(pipeline: Self.chatPipeline(), rows: ["hello there", "second row"])
        let server = try await LoopbackServer.started { request, _ in
            .respond(Self.chatAnswer("ok, " + Self.message(request), usage: false))
        }
        let (report, records) = try await job.run(over: server)
        #expect(report.complete)
        #expect(server.received.count == 2)
        #expect(records.count == 2)
        let tokenizer = try Tokenizer.shared(.o200k_base)
        for record in records {
            guard case .object(let usage)? = record["usage"], case .string(let output)? = record["output"] else {
                Issue.record("record without usage or output: \(record)")
                continue
            }
            #expect(usage["counted"] == .bool(true))
            #expect(usage["completion_tokens"] == .number(String(tokenizer.count(output))))
            #expect(record["error"] == .null)
        }
        let summary = try Self.summary(job)
        #expect(summary["usage_counted_items"] == .number("2"))
        #expect(summary["requests"] == .number("2"))
        // Replayed from the cache, the answers keep their counted usage, still marked.
        let (_, again) = try await job.run(over: server, options: JobRunner.Options(fresh: true))
        #expect(server.received.count == 2)
        #expect(again.count == 2)
        for record in again {
            #expect(record["cached"] == .bool(true))
            #expect(record["usage"] == records.first { $0["id"] == record["id"] }?["usage"])
        }
        #expect(try Self.summary(job)["usage_counted_items"] == .number("2"))
    }

    /// 3. Azure's `-1` and `0` limit headers with no limits in the pipeline: every row is
    /// answered, none refused as too large for a limit of -1.
    @Test func negativeLimitHeadersRefuseNoRow() async throws {
        let job = try Flow.Job(pipeline: Flow.pipeline(), rows: (0..<100).map { "row \($0)" })
        let server = try await LoopbackServer.started { request, _ in
            guard case .respond(var response) = Flow.echo(request) else { return Flow.echo(request) }
            response.headers += [
                ("x-ratelimit-limit-tokens", "-1"), ("x-ratelimit-remaining-tokens", "-1"),
                ("x-ratelimit-reset-tokens", "0"), ("x-ratelimit-limit-requests", "0"),
            ]
            return .respond(response)
        }
        let (report, records) = try await job.run(over: server)
        #expect(report.complete)
        #expect(Flow.outputs(records).count == 100)
        #expect(records.allSatisfy { $0["error"] == .null })
    }

    /// 4. A 429 with an HTML body and `Retry-After` as an HTTP date 11 s ahead: the job
    /// waits the 11 s (on the test clock) and every row is answered.
    @Test func httpDateRetryAfterIsHonoured() async throws {
        let job = try Flow.Job(pipeline: Flow.pipeline(), rows: (0..<4).map { "row \($0)" })
        let server = try await LoopbackServer.started { request, index in
            guard index == 0 else { return Flow.echo(request) }
            return .respond(
                HTTPResponse(
                    status: 429,
                    headers: [
                        ("content-type", "text/html"), ("date", "Wed, 02 Dec 2026 10:00:00 GMT"),
                        ("retry-after", "Wed, 02 Dec 2026 10:00:11 GMT"),
                    ],
                    body: Array("<html><body>Too Many Requests</body></html>".utf8)))
        }
        let (report, records) = try await job.run(over: server)
        #expect(report.complete)
        #expect(job.clock.sleeps.contains(.seconds(11)))
        #expect(Flow.outputs(records).count == 4)
    }

    /// 5. OpenAI's billing hard limit answers every request with a 400: the job stops at
    /// the first answer with exit 4 and the provider's message (only the five batches
    /// already in flight were sent, none retried or split), writes no error record, and
    /// leaves every row pending for the same command to continue.
    @Test func billingHardLimitStopsResumably() async throws {
        let job = try Flow.Job(pipeline: Flow.pipeline(), rows: (0..<100).map { "row \($0)" })
        let refusal = HTTPResponse.json(
            400,
            #"{"error": {"message": "Billing hard limit has been reached", "type": "invalid_request_error", "code": "billing_hard_limit_reached"}}"#)
        let server = try await LoopbackServer.started { _, _ in .respond(refusal) }
        let (report, records) = try await job.run(over: server)
        #expect(report.exitCode == 4)
        #expect(server.received.count <= 5)
        #expect(records.isEmpty)
        #expect(report.stop?.message.contains("Billing hard limit has been reached") == true)
        let healthy = try await LoopbackServer.started { request, _ in Flow.echo(request) }
        let (rerun, all) = try await job.run(over: healthy)
        #expect(rerun.complete)
        #expect(all.count == 100)
    }

    /// 6. A chat answer stopped by the content filter, with no content: an error record of
    /// type `content_filter` with its cost, not counted as succeeded, and not cached: a
    /// `--fresh` run asks again.
    @Test func contentFilterIsAnErrorRecordAndNeverCached() async throws {
        let job = try Flow.Job(pipeline: Self.chatPipeline(), rows: ["fine row", "filtered row"])
        let server = try await LoopbackServer.started { request, _ in
            Self.message(request) == "filtered row" ? .respond(Self.chatAnswer(nil, finish: "content_filter")) : .respond(Self.chatAnswer("ok"))
        }
        let (report, records) = try await job.run(over: server)
        #expect(report.complete)
        #expect(report.statistics.failed == 1)
        let filtered = records.first { $0["id"] == .string("2") }
        guard case .object(let error)? = filtered?["error"] else {
            Issue.record("the filtered row has no error: \(String(describing: filtered))")
            return
        }
        #expect(error["type"] == .string("content_filter"))
        #expect(filtered?["output"] == .null)
        #expect(filtered?["cost_usd"] != .number("0"))
        let (_, again) = try await job.run(over: server, options: JobRunner.Options(fresh: true))
        #expect(server.received.map(Self.message).sorted() == ["filtered row", "filtered row", "fine row"])
        #expect(again.first { $0["id"] == .string("1") }?["cached"] == .bool(true))
    }

    // MARK: - Answers outside the happy shape

    /// A 200 whose body is an error object is the error it says: a rate limit (status in
    /// `error.code`, as OpenRouter sends it) is retried; the answer after it is kept.
    @Test func anErrorObjectInA200IsTheErrorItSays() async throws {
        let job = try Flow.Job(pipeline: Flow.pipeline(), rows: ["a", "b"])
        let server = try await LoopbackServer.started { request, index in
            guard index == 0 else { return Flow.echo(request) }
            return .respond(.json(200, #"{"error": {"message": "Rate limit exceeded: free-models-per-min", "code": 429}}"#))
        }
        let (report, records) = try await job.run(over: server)
        #expect(report.complete)
        #expect(report.statistics.rateLimited == 1)
        #expect(Flow.outputs(records).count == 2)
    }

    /// An error object in a 200 about the row keeps the provider's message in the record.
    @Test func aPermanentErrorInA200KeepsTheProvidersMessage() async throws {
        let job = try Flow.Job(pipeline: Self.chatPipeline(), rows: ["fine", "too long"])
        let server = try await LoopbackServer.started { request, _ in
            guard Self.message(request) == "too long" else { return .respond(Self.chatAnswer("ok")) }
            return .respond(
                .json(
                    200,
                    #"{"error": {"message": "This model's maximum context length is 8 tokens", "type": "invalid_request_error", "code": "context_length_exceeded"}}"#
                ))
        }
        let (report, records) = try await job.run(over: server)
        #expect(report.complete)
        guard case .object(let error)? = records.first(where: { $0["id"] == .string("2") })?["error"] else {
            Issue.record("no error record")
            return
        }
        #expect(error["type"] == .string("context_length_exceeded"))
        #expect(error["message"] == .string("This model's maximum context length is 8 tokens"))
    }

    /// Empty choices are retried; when they stay empty the row is left pending (an odd
    /// answer is never final), the run says why, and the next run asks again.
    @Test func emptyChoicesAreRetriedThenLeftPending() async throws {
        let job = try Flow.Job(pipeline: Self.chatPipeline("limits: {max_retries: 2}"), rows: ["empty", "fine"])
        let server = try await LoopbackServer.started { request, _ in
            guard Self.message(request) == "empty" else { return .respond(Self.chatAnswer("ok")) }
            return .respond(.json(200, #"{"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 0}}"#))
        }
        let (report, records) = try await job.run(over: server)
        #expect(report.exitCode == 1)
        #expect(server.received.filter { Self.message($0) == "empty" }.count == 3)
        #expect(records.count == 1)
        #expect(report.incompleteMessage?.contains("empty_response") == true)
        let healthy = try await LoopbackServer.started { _, _ in .respond(Self.chatAnswer("now full")) }
        let (rerun, all) = try await job.run(over: healthy)
        #expect(rerun.complete)
        #expect(all.count == 2)
    }

    /// A refusal (`message.refusal`) is an error record of type `refusal` with the model's
    /// words; a `length` answer is kept as an answer, marked by its finish reason.
    @Test func refusalsAreErrorsAndTruncationsAreMarkedAnswers() async throws {
        let job = try Flow.Job(pipeline: Self.chatPipeline(), rows: ["refuse", "long"])
        let server = try await LoopbackServer.started { request, _ in
            Self.message(request) == "refuse"
                ? .respond(Self.chatAnswer(nil, refusal: "I can't help with that."))
                : .respond(Self.chatAnswer("a long answer that was cut", finish: "length"))
        }
        let (report, records) = try await job.run(over: server)
        #expect(report.complete)
        let refused = records.first { $0["id"] == .string("1") }
        guard case .object(let error)? = refused?["error"] else {
            Issue.record("no refusal record")
            return
        }
        #expect(error["type"] == .string("refusal"))
        #expect(error["message"] == .string("the model refused: I can't help with that."))
        let long = records.first { $0["id"] == .string("2") }
        #expect(long?["finish_reason"] == .string("length"))
        #expect(long?["output"] == .string("a long answer that was cut"))
        #expect(long?["error"] == .null)
    }

    // MARK: - Rate-limit signals

    /// A wait asked for that is longer than `limits.max_wait_s` stops the run with exit 4,
    /// no error record, every row pending, and a message saying when to run again.
    @Test func aWaitLongerThanMaxWaitStopsResumably() async throws {
        let job = try Flow.Job(pipeline: Flow.pipeline("limits: {max_wait_s: 60}"), rows: (0..<5).map { "row \($0)" })
        let server = try await LoopbackServer.started { _, _ in
            .respond(
                .json(
                    429, #"{"error": {"message": "daily limit reached", "type": "requests", "code": "rate_limit_exceeded"}}"#,
                    headers: [("retry-after", "3600")]))
        }
        let (report, records) = try await job.run(over: server)
        #expect(report.exitCode == 4)
        #expect(records.isEmpty)
        #expect(server.received.count == 1)
        #expect(report.stop?.message.contains("1 h 0 min") == true)
        #expect(report.stop?.message.contains("run the same command again after") == true)
    }

    // MARK: - What the server tolerates

    /// A server that takes 6 requests at a time and answers 503 to the rest (after 20 ms,
    /// as a gateway would): the job's 64 blind first requests are halved until the 503s
    /// stop, and every row is answered. 104 to 110 answers were 503 when this was written,
    /// most of them the first wave's; kept at 64 in flight, the job drew 574.
    @Test func overloadAnswersShrinkTheRequestsInFlight() async throws {
        let job = try Flow.Job(pipeline: Self.chatPipeline("limits: {max_retries: 10}"), rows: (0..<400).map { "row \($0)" })
        let open = Mutex((now: 0, overloaded: 0))
        let server = try await LoopbackServer.started { request, _ in
            let admitted = open.withLock { state in
                guard state.now < 6 else {
                    state.overloaded += 1
                    return false
                }
                state.now += 1
                return true
            }
            try? await Task.sleep(for: .milliseconds(20))
            guard admitted else { return .respond(.json(503, #"{"error": {"message": "upstream overloaded", "type": "server_error"}}"#)) }
            open.withLock { $0.now -= 1 }
            return .respond(Self.chatAnswer("ok"))
        }
        let (report, records) = try await job.run(over: server)
        #expect(report.complete)
        #expect(records.count == 400 && records.allSatisfy { $0["error"] == .null })
        let overloaded = open.withLock { $0.overloaded }
        #expect(overloaded > 0)
        #expect(overloaded < 200, "\(overloaded) answers were 503")
    }

    /// A large account (6,000 RPM, its first minute's bucket full, as OpenAI's start) with
    /// nothing set in the pipeline: once the first answer's headers tell the limits, the
    /// rest of the 700 rows go out at once, past the ceiling of 512 that once held such a
    /// job to a sixth of its quota. The server answers the first request at once and holds
    /// every later one until 600 are waiting together, so the count held is the count the
    /// job kept in flight. Alone this takes 2 s; in the full parallel suite on 2 cores,
    /// opening the connections took 30 to over 50 s, so the gate also opens after 240 s,
    /// under the pipeline's 300 s request timeout. Needs a hard open-file limit of 4,096 or
    /// more (700 connections, each with a socket at both ends of loopback in this process).
    @Test(.enabled(if: OpenFileLimit.raiseToHardLimit() >= 4096, "the hard open-file limit is under 4,096"))
    func aLargeAccountsBucketGoesOutAtOnce() async throws {
        let rows = 700
        let held = 600
        let job = try Flow.Job(pipeline: Self.chatPipeline("limits: {timeout_s: 300}"), rows: (0..<rows).map { "row \($0)" })
        let gate = HeldRequests(opensAt: held)
        let answered = Mutex(0)
        let timeout = Task {
            try? await Task.sleep(for: .seconds(240))
            gate.open()
        }
        defer { timeout.cancel() }
        let server = try await LoopbackServer.started { _, index in
            if index > 0 { await gate.hold() }
            let count = answered.withLock {
                $0 += 1
                return $0
            }
            var answer = Self.chatAnswer("ok")
            answer.headers += [
                ("x-ratelimit-limit-requests", "6000"), ("x-ratelimit-remaining-requests", "\(6000 - count)"),
                ("x-ratelimit-reset-requests", "10ms"),
            ]
            return .respond(answer)
        }
        let (report, records) = try await job.run(over: server, connections: PipelineConfiguration.Limits.defaultConcurrencyCeiling)
        #expect(report.complete)
        #expect(records.count == rows && records.allSatisfy { $0["error"] == .null })
        let peak = gate.peak
        #expect(
            peak >= held,
            "at most \(peak) requests were in flight together; \(report.statistics.retries) retries, last transient failure: \(String(describing: report.statistics.lastTransientFailure))"
        )
        #expect(server.received.count == rows)
    }

    // MARK: - Refusals of the account, not of a row

    /// A proxy's budget refusal with a code promptmill does not know: batches are halved
    /// down to single rows, and when three single rows in a row get the very refusal with
    /// nothing answered, the job stops with exit 4, every row pending (no error record).
    /// One batch at a time (`max_concurrency: 1`) shows the count: 20, 10, 5, 2, 1, 1, 3, 1.
    @Test func aRefusalEveryRowRepeatsStopsTheJob() async throws {
        let job = try Flow.Job(pipeline: Flow.pipeline("limits: {max_concurrency: 1}"), rows: (0..<100).map { "row \($0)" })
        let server = try await LoopbackServer.started { _, _ in
            .respond(.json(400, #"{"error": {"message": "Key budget exceeded: spent 10.02 of 10.00", "type": "invalid_request_error"}}"#))
        }
        let (report, records) = try await job.run(over: server)
        #expect(report.exitCode == 4)
        #expect(server.received.map { Flow.prompts($0).count } == [20, 10, 5, 2, 1, 1, 3, 1])
        #expect(records.isEmpty)
        #expect(report.stop?.message.contains("Key budget exceeded") == true)
    }

    /// Two bad prompts in one batch, one in each half: the halving goes on until each
    /// fails alone; every other row is answered.
    @Test func twoBadPromptsInABatchAreBothIsolated() async throws {
        let rows = ["ok0", "BAD1", "ok2", "ok3", "ok4", "BAD5", "ok6", "ok7"]
        let job = try Flow.Job(pipeline: Flow.pipeline("batch_size: 8"), rows: rows)
        let server = try await LoopbackServer.started { request, _ in
            guard Flow.prompts(request).contains(where: { $0.hasPrefix("BAD") }) else { return Flow.echo(request) }
            return .respond(.json(400, #"{"error": {"message": "invalid prompt", "type": "invalid_request_error", "code": "invalid_prompt"}}"#))
        }
        let (report, records) = try await job.run(over: server)
        #expect(report.exitCode == 0)
        #expect(Flow.outputs(records).count == 6)
        let failed = records.filter { $0["error"] != .null }.compactMap { record -> String? in
            if case .string(let id)? = record["id"] { id } else { nil }
        }
        #expect(Set(failed) == ["2", "6"])
    }

    /// Chat rows refused for good before anything was answered get no record: some are
    /// in flight when the third refusal stops the job, and all stay pending.
    @Test func refusalsBeforeAnyAnswerLeaveNoRecord() async throws {
        let job = try Flow.Job(pipeline: Self.chatPipeline(), rows: (0..<5).map { "row \($0)" })
        let server = try await LoopbackServer.started { _, _ in
            .respond(.json(400, #"{"error": {"message": "unsupported", "type": "invalid_request_error", "code": "weird_new_code"}}"#))
        }
        let (report, records) = try await job.run(over: server)
        #expect(report.exitCode == 4)
        #expect(records.isEmpty)
        #expect(report.statistics.requests == server.received.count)
    }

    /// A wrong URL answered 404 by every request: too few requests for a stop leave the
    /// rows pending with a message (exit 1); more stop the job naming base_url (exit 4).
    @Test func aWrongURLLeavesEveryRowPending() async throws {
        let server = try await LoopbackServer.started { _, _ in .respond(HTTPResponse(status: 404, headers: [], body: [])) }
        let small = try Flow.Job(pipeline: Flow.pipeline(), rows: (0..<30).map { "row \($0)" })
        let (few, none) = try await small.run(over: server)
        #expect(few.exitCode == 1)
        #expect(none.isEmpty)
        #expect(few.incompleteMessage?.contains("no request succeeded") == true)
        let large = try Flow.Job(pipeline: Flow.pipeline(), rows: (0..<100).map { "row \($0)" })
        let (many, nothing) = try await large.run(over: server)
        #expect(many.exitCode == 4)
        #expect(nothing.isEmpty)
        #expect(many.stop?.message.contains("check base_url") == true)
    }

    /// A 402 or a 403 with an account code, whatever the body: stop, exit 4.
    @Test(arguments: [
        (402, #"{"error": {"message": "Insufficient credits", "code": 402}}"#),
        (429, #"{"error": {"message": "Budget has been exceeded!", "type": "budget_exceeded"}}"#),
        (403, #"{"error": {"message": "This project is suspended", "code": "account_deactivated"}}"#),
    ])
    func accountRefusalsStopWhateverTheStatus(status: Int, body: String) async throws {
        let job = try Flow.Job(pipeline: Flow.pipeline(), rows: (0..<10).map { "row \($0)" })
        let server = try await LoopbackServer.started { _, _ in .respond(.json(status, body)) }
        let (report, records) = try await job.run(over: server)
        #expect(report.exitCode == 4)
        #expect(server.received.count == 1)
        #expect(records.isEmpty)
    }

    // MARK: - A server that cannot be reached

    /// A closed port: the job stops after a few attempts with exit 1, naming the URL and
    /// the cause, every row pending.
    @Test func anUnreachableServerStopsAtOnce() async throws {
        let job = try Flow.Job(pipeline: Flow.pipeline(), rows: (0..<50).map { "row \($0)" })
        let (report, records) = try await job.run(baseURL: "http://127.0.0.1:9/v1")
        #expect(report.exitCode == 1)
        #expect(records.isEmpty)
        guard case .unreachable(let url, let cause)? = report.stop else {
            Issue.record("expected an unreachable stop, got \(String(describing: report.stop))")
            return
        }
        #expect(url == "http://127.0.0.1:9/v1")
        #expect(!cause.isEmpty)
        // Three batches of 20 go at once; each stops after its attempts.
        #expect(report.statistics.requests <= 3 * LiveDispatcher.unreachableAttempts)
    }

    // MARK: - Transient failures never become final

    /// A row that only ever got 503s has no record after its retries: the run is not
    /// complete (exit 1, saying why), and the next run of the same command sends only it.
    @Test func transientFailuresStayPendingForTheNextRun() async throws {
        let job = try Flow.Job(pipeline: Self.chatPipeline("limits: {max_retries: 2}"), rows: ["ok 1", "flaky", "ok 2"])
        let down = try await LoopbackServer.started { request, _ in
            Self.message(request) == "flaky"
                ? .respond(.json(503, #"{"error": {"message": "overloaded", "type": "server_error"}}"#)) : .respond(Self.chatAnswer("fine"))
        }
        let (report, records) = try await job.run(over: down)
        #expect(!report.complete)
        #expect(report.exitCode == 1)
        #expect(records.count == 2)
        #expect(report.incompleteMessage?.contains("1 rows failed only for transient causes") == true)
        #expect(try Self.summary(job)["complete"] == .bool(false))
        #expect(try Self.summary(job)["pending_after_transient_failures"] == .number("1"))
        var overrides = PipelineOverrides(baseURL: down.baseURL)
        overrides.cachePath = job.directory.path + "/cache.sqlite"
        let configuration = try PipelineLoader.load(
            path: job.directory.path + "/p.yaml", overrides: overrides, environment: ["OPENAI_API_KEY": "sk-loopback"], apiKey: .required)
        #expect(try JobStatus.read(configuration).pendingRows == 1)
        let up = try await LoopbackServer.started { _, _ in .respond(Self.chatAnswer("fine")) }
        let (rerun, all) = try await job.run(over: up)
        #expect(rerun.complete)
        #expect(up.received.map(Self.message) == ["flaky"])
        #expect(all.count == 3)
    }

    /// A permanent error stays on a rerun; `--retry-failed` sends it again and writes the
    /// output anew, the answered rows coming from the cache as the job's own.
    @Test func retryFailedResendsPermanentErrorsOnly() async throws {
        let job = try Flow.Job(pipeline: Self.chatPipeline(), rows: ["ok 1", "bad", "ok 2"])
        let first = try await LoopbackServer.started { request, _ in
            Self.message(request) == "bad"
                ? .respond(.json(400, #"{"error": {"message": "bad input", "type": "invalid_request_error", "param": "messages"}}"#))
                : .respond(Self.chatAnswer("fine"))
        }
        let (report, records) = try await job.run(over: first)
        #expect(report.complete)
        #expect(records.filter { $0["error"] != .null }.count == 1)
        let second = try await LoopbackServer.started { _, _ in .respond(Self.chatAnswer("fine now")) }
        _ = try await job.run(over: second)
        #expect(second.received.isEmpty)
        let (retried, all) = try await job.run(over: second, options: JobRunner.Options(retryFailed: true))
        #expect(retried.complete)
        #expect(second.received.map(Self.message) == ["bad"])
        #expect(all.count == 3)
        #expect(all.allSatisfy { $0["error"] == .null })
        #expect(all.filter { $0["cached"] == .bool(false) }.count == 3)
        // The answers paid for in the first run are the job's own, at their cost; the
        // resent row adds its own.
        #expect((retried.statistics.cost ?? .zero) > (report.statistics.cost ?? .zero))
    }
}

extension LoopbackServer {
    /// A server answering with `respond`, started.
    static func started(_ respond: @escaping Responder) async throws -> LoopbackServer {
        let server = LoopbackServer(respond: respond)
        try await server.start()
        return server
    }
}

/// Requests a test server holds until `opensAt` are held together (or `open()` is called),
/// counting the most held at once. Waiters sleep on continuations: polling a thousand of them
/// starved the server's event loops on a loaded machine.
final class HeldRequests: Sendable {
    private struct State {
        var held = 0
        var peak = 0
        var isOpen = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let opensAt: Int
    private let state = Mutex(State())

    init(opensAt: Int) { self.opensAt = opensAt }

    /// The most requests held at once.
    var peak: Int { state.withLock { $0.peak } }

    /// Returns once the gate is open: at once when it already is.
    func hold() async {
        await withCheckedContinuation { continuation in
            let released: [CheckedContinuation<Void, Never>] = state.withLock { state in
                state.held += 1
                state.peak = max(state.peak, state.held)
                if state.isOpen { return [continuation] }
                state.waiting.append(continuation)
                guard state.held >= opensAt else { return [] }
                state.isOpen = true
                defer { state.waiting = [] }
                return state.waiting
            }
            for waiter in released { waiter.resume() }
        }
        state.withLock { $0.held -= 1 }
    }

    /// Releases every request held and every later one.
    func open() {
        let released: [CheckedContinuation<Void, Never>] = state.withLock { state in
            state.isOpen = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for waiter in released { waiter.resume() }
    }
}

extension RowFlowTests.Job {
    /// Runs the job with promptmill's real HTTP transport (a pool of `connections`) against
    /// `server` (or `baseURL`), on the test clock.
    func run(
        over server: LoopbackServer? = nil, baseURL: String? = nil, options: JobRunner.Options = JobRunner.Options(),
        connections: Int = 16
    ) async throws -> (report: RunReport, records: [JSONObject]) {
        let transport = AsyncHTTPClientTransport(maximumConnections: connections)
        do {
            let outcome = try await run(
                transport, overrides: PipelineOverrides(baseURL: baseURL ?? server?.baseURL),
                environment: ["OPENAI_API_KEY": "sk-loopback"], options: options)
            await transport.shutdown()
            return outcome
        } catch {
            await transport.shutdown()
            throw error
        }
    }
}

import Foundation
import Synchronization
import Testing
@testable import PromptmillCore
import PromptmillTesting

/// The run's scheduling, as specifications: a real job (real SQLite, real gzip) against a
/// transport that answers from each request's content, on the test clock. Nothing sleeps.
@Suite struct RowFlowTests {
    /// A job in its own folder, run with `JobRunner` on a `TestClock`.
    struct Job {
        let directory: TemporaryDirectory
        let clock = TestClock()

        init(pipeline: String, rows: [String]) throws {
            directory = try TemporaryDirectory()
            try directory.write("rows.jsonl", rows.map { "{\"text\":\"\($0)\"}\n" }.joined())
            try directory.write("p.yaml", pipeline)
        }

        func run(_ transport: ScriptedTransport, stop: StopRequest = StopRequest()) async throws -> (report: RunReport, records: [JSONObject]) {
            try await run(transport, overrides: PipelineOverrides(mockBaseURL: "http://127.0.0.1:1/v1"), stop: stop)
        }

        /// Loads the pipeline with `overrides` (and the job's cache) and runs it over `transport`.
        func run(
            _ transport: some HTTPTransport, overrides: PipelineOverrides, environment: [String: String] = [:],
            options: JobRunner.Options = JobRunner.Options(), stop: StopRequest = StopRequest()
        ) async throws -> (report: RunReport, records: [JSONObject]) {
            var overrides = overrides
            overrides.cachePath = directory.path + "/cache.sqlite"
            let configuration = try PipelineLoader.load(
                path: directory.path + "/p.yaml", overrides: overrides, environment: environment, apiKey: .required)
            let runner = JobRunner(
                configuration: configuration, options: options, transport: transport, progress: ProgressReporter(mode: .quiet),
                clock: clock, stopRequest: stop, seed: 7)
            let report = try await runner.run()
            return (report, try RunHarness.records(at: configuration.output.path))
        }
    }

    static func pipeline(_ extra: String = "", params: String = "{max_tokens: 2}") -> String {
        """
        name: flow
        input: {path: rows.jsonl}
        endpoint: completions
        model: gpt-3.5-turbo-instruct
        prompt: "{{text}}"
        params: \(params)
        output: {path: out.jsonl.gz}
        \(extra)
        """
    }

    /// The prompts of a completions request body.
    static func prompts(_ request: HTTPRequest) -> [String] {
        guard case .object(let body)? = try? request.body.withUnsafeBytes({ try JSONParser.parse($0) }),
            case .array(let prompts)? = body["prompt"]
        else { return [] }
        return prompts.map { if case .string(let text) = $0 { text } else { "" } }
    }

    static func model(_ request: HTTPRequest) -> String {
        guard case .object(let body)? = try? request.body.withUnsafeBytes({ try JSONParser.parse($0) }),
            case .string(let model)? = body["model"]
        else { return "" }
        return model
    }

    /// Answers every prompt with "answer: PROMPT", 3 prompt tokens and 1 completion token each.
    static func echo(_ request: HTTPRequest) -> ScriptedTransport.Step {
        let prompts = prompts(request)
        let choices = prompts.enumerated().map { index, prompt in
            "{\"text\":\"answer: \(prompt)\",\"index\":\(index),\"finish_reason\":\"stop\"}"
        }
        return .respond(
            .json(
                200,
                "{\"choices\":[\(choices.joined(separator: ","))],\"usage\":{\"prompt_tokens\":\(3 * prompts.count),\"completion_tokens\":\(prompts.count)}}"
            ))
    }

    static func outputs(_ records: [JSONObject]) -> [String: String] {
        var outputs: [String: String] = [:]
        for record in records {
            if case .string(let id)? = record["id"], case .string(let output)? = record["output"] { outputs[id] = output }
        }
        return outputs
    }

    /// Rows asking exactly what an earlier row asks are not sent: they follow it, and their
    /// records carry its answer as `cached: true` at no cost.
    @Test func repeatedPromptsAreSentOnce() async throws {
        let job = try Job(pipeline: Self.pipeline(), rows: (0..<10).map { "p\($0 % 5)" })
        let transport = ScriptedTransport { request, _ in Self.echo(request) }
        let (report, records) = try await job.run(transport)
        #expect(report.complete)
        #expect(transport.sent.map(Self.prompts) == [["p0", "p1", "p2", "p3", "p4"]])
        #expect(records.count == 10)
        let followers = records.filter { $0["cached"] == .bool(true) }
        #expect(followers.count == 5)
        #expect(followers.allSatisfy { $0["attempts"] == .number("0") && $0["cost_usd"] == .number("0") })
        #expect(Self.outputs(records) == Dictionary(uniqueKeysWithValues: (1...10).map { (String($0), "answer: p\(($0 - 1) % 5)") }))
        #expect(report.statistics.cacheHits == 5)
    }

    /// A batch bigger than the tokens-per-minute bucket is split to fit it, and a prompt that
    /// could never fit gets a `request_too_large` record without being sent.
    @Test func batchesAreFittedToTheTokenBucket() async throws {
        // Each short prompt costs 1 token + 2 for max_tokens; the bucket holds 10.
        let long = Array(repeating: "word", count: 20).joined(separator: " ")
        let job = try Job(pipeline: Self.pipeline("limits: {tokens_per_minute: 10}"), rows: ["a", "b", "c", "d", "e", long, "f"])
        let transport = ScriptedTransport { request, _ in Self.echo(request) }
        let (report, records) = try await job.run(transport)
        #expect(report.complete)
        #expect(transport.sent.map(Self.prompts) == [["a", "b", "c"], ["d", "e", "f"]])
        let tooLarge = records.filter { $0["id"] == .string("6") }
        guard case .object(let error)? = tooLarge.first?["error"] else {
            Issue.record("row 6 should have an error")
            return
        }
        #expect(error["type"] == .string("request_too_large"))
        #expect(tooLarge.first?["attempts"] == .number("0"))
    }

    /// A 400 about a prompt halves the batch until only the bad prompt fails, alone, with
    /// its own error record; every other row gets its answer.
    @Test func aBatchA400BlamesOnAPromptIsHalvedUntilOnlyThatPromptFails() async throws {
        let job = try Job(pipeline: Self.pipeline("batch_size: 8"), rows: ["BAD"] + (1..<8).map { "ok\($0)" })
        let transport = ScriptedTransport { request, _ in
            guard Self.prompts(request).contains("BAD") else { return Self.echo(request) }
            return .respond(
                .json(400, "{\"error\":{\"message\":\"bad prompt\",\"type\":\"invalid_request_error\",\"param\":\"prompt\",\"code\":null}}"))
        }
        let (report, records) = try await job.run(transport)
        #expect(report.complete)
        #expect(transport.sent.map { Self.prompts($0).count } == [8, 4, 2, 1, 1, 2, 4])
        let failed = records.filter { $0["output"] == .null }
        #expect(failed.count == 1)
        #expect(failed.first?["id"] == .string("1"))
        #expect(Self.outputs(records).count == 7)
    }

    /// 5xx answers and dropped connections are retried with backoff on the injected clock;
    /// the row's record counts every attempt.
    @Test func transientFailuresAreRetriedOnTheInjectedClock() async throws {
        let job = try Job(pipeline: Self.pipeline(), rows: ["x", "y"])
        let transport = ScriptedTransport { request, index in
            switch index {
            case 0: .respond(.json(500, "{\"error\":{\"message\":\"oops\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"))
            case 1: .fail(TransportError(.connection, "reset by peer"))
            default: Self.echo(request)
            }
        }
        let (report, records) = try await job.run(transport)
        #expect(report.complete)
        #expect(transport.sent.count == 3)
        #expect(report.statistics.retries == 2)
        #expect(job.clock.sleeps.filter { $0 > .zero }.count >= 2)
        #expect(records.allSatisfy { $0["attempts"] == .number("3") })
    }

    /// Under a cap, a request whose worst case does not fit waits for the requests in flight
    /// to settle (their real cost is far below their worst case), and the job completes
    /// within the cap.
    @Test func budgetWaitsForSettlementsAndCompletesUnderTheCap() async throws {
        // Worst case of one row: 1 prompt token and 1,000 completion tokens at $2/1M ≈ $0.002.
        let pipeline = Self.pipeline("batch_size: 1\nlimits: {max_concurrency: 8}\nbudget: {max_usd: 0.005}", params: "{max_tokens: 1000}")
        let job = try Job(pipeline: pipeline, rows: (0..<12).map { "r\($0)" })
        let transport = ScriptedTransport { request, _ in Self.echo(request) }
        let (report, records) = try await job.run(transport)
        #expect(report.complete)
        #expect(records.count == 12)
        #expect(try #require(report.statistics.spent) <= Money(dollars: 0.005))
    }

    /// When answers cost their worst case, the job stops at the budget (exit 3) with the
    /// spend under the cap, and the rows not sent stay pending.
    @Test func budgetStopsWhenNotOneMoreRowFits() async throws {
        let pipeline = Self.pipeline("batch_size: 1\nlimits: {max_concurrency: 8}\nbudget: {max_usd: 0.005}", params: "{max_tokens: 1000}")
        let job = try Job(pipeline: pipeline, rows: (0..<12).map { "r\($0)" })
        let transport = ScriptedTransport { request, _ in
            .respond(
                .json(
                    200,
                    "{\"choices\":[{\"text\":\"long\",\"index\":0,\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1000}}"
                ))
        }
        let (report, records) = try await job.run(transport)
        #expect(report.exitCode == 3)
        #expect(records.count == 2)
        #expect(transport.sent.count == 2)
        #expect(try #require(report.statistics.spent) <= Money(dollars: 0.005))
    }

    /// A stop (Ctrl-C) lets the request in flight finish and writes its records, sends
    /// nothing more, and the same command then sends only the rows left.
    @Test func interruptDrainsInFlightRequestsAndSendsNothingMore() async throws {
        let job = try Job(pipeline: Self.pipeline("batch_size: 2\nlimits: {max_concurrency: 1}"), rows: (0..<8).map { "r\($0)" })
        let stop = StopRequest()
        let transport = ScriptedTransport { request, index in
            if index == 1 { stop.request() }
            return Self.echo(request)
        }
        let (report, records) = try await job.run(transport, stop: stop)
        #expect(report.stop == .interrupted)
        #expect(transport.sent.count == 2)
        #expect(records.count == 4)
        let again = ScriptedTransport { request, _ in Self.echo(request) }
        let (rerun, all) = try await job.run(again)
        #expect(rerun.complete)
        #expect(again.sent.flatMap(Self.prompts) == ["r4", "r5", "r6", "r7"])
        #expect(Set(all.compactMap { $0.string("id") }).count == 8)
    }

    /// Steps stream: a row goes to its next step as soon as its step answered, so the second
    /// step's first request is sent while the first step's last one is still unanswered.
    @Test func aRowMovesToItsNextStepAsSoonAsItsStepSettles() async throws {
        let pipeline = """
            name: flow
            input: {path: rows.jsonl}
            limits: {max_concurrency: 1}
            output: {path: out.jsonl.gz}
            steps:
              - name: first
                endpoint: completions
                model: gpt-3.5-turbo-instruct
                prompt: "{{text}}"
                params: {max_tokens: 2}
              - name: second
                endpoint: completions
                model: davinci-002
                prompt: "again {{steps.first.output}}"
                params: {max_tokens: 2}
            """
        let job = try Job(pipeline: pipeline, rows: (0..<40).map { "r\($0)" })
        let secondStepSeen = Mutex(false)
        let answeredAfterSecondStep = Mutex(false)
        let transport = ScriptedTransport { request, _ in
            if Self.model(request) == "davinci-002" { secondStepSeen.withLock { $0 = true } }
            if Self.prompts(request).contains("r39") {
                // Hold the first step's last request until the second step sends (bounded).
                for _ in 0..<10_000 where !secondStepSeen.withLock({ $0 }) { await Task.yield() }
                answeredAfterSecondStep.withLock { $0 = secondStepSeen.withLock { $0 } }
            }
            return Self.echo(request)
        }
        let (report, records) = try await job.run(transport)
        #expect(report.complete)
        #expect(answeredAfterSecondStep.withLock { $0 })
        #expect(transport.sent.map(Self.model).sorted() == ["davinci-002", "davinci-002", "gpt-3.5-turbo-instruct", "gpt-3.5-turbo-instruct"])
        #expect(Self.outputs(records)["1"] == "answer: again answer: r0")
        #expect(records.count == 40)
    }
}

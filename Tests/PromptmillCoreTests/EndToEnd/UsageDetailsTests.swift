import Foundation
import Testing
@testable import PromptmillCore
import PromptmillTesting

/// Today's usage details (issue 14): prompt tokens served from or written to the prompt
/// cache, completion tokens spent reasoning. Records, the response cache, the ledger and
/// the summary carry them, and the job's cost is its tokens priced by the table exactly.
@Suite struct UsageDetailsTests {
    /// What the scripted server reports for row `k`: each detail sometimes there, sometimes not.
    struct RowUsage {
        var prompt, completion, cached, written, reasoning: Int

        init(_ k: Int) {
            prompt = 2_000 + 7 * k
            completion = 40 + k
            cached = k % 3 == 0 ? 0 : 1_024 + 128 * (k % 3)
            written = k % 2 == 0 ? 512 + k : 0
            reasoning = k % 4 == 0 ? 0 : 10 + k
        }

        /// gpt-5.6 by the table: $4 input, $0.40 cached input, $5 cache write, $20 output per 1M.
        var gpt56Cost: Int64 {
            Int64(prompt - cached - written) * 4_000_000 + Int64(cached) * 400_000 + Int64(written) * 5_000_000
                + Int64(completion) * 20_000_000
        }

        /// gpt-4o-mini by the table: $0.15 input, $0.075 cached input, no cache-write price
        /// (writes at the input price), $0.60 output per 1M.
        var gpt4oMiniCost: Int64 {
            Int64(prompt - cached) * 150_000 + Int64(cached) * 75_000 + Int64(completion) * 600_000
        }
    }

    static let rowCount = 12

    static func pipeline(_ model: String = "gpt-5.6", extra: String = "") -> String {
        """
        name: usage
        input: {path: rows.jsonl}
        endpoint: chat
        model: \(model)
        messages: [{role: user, content: "{{text}}"}]
        params: {max_completion_tokens: 200}
        limits: {max_concurrency: 1}
        output: {path: out.jsonl.gz}
        \(extra)
        """
    }

    static func job(_ pipeline: String = pipeline()) throws -> RowFlowTests.Job {
        try RowFlowTests.Job(pipeline: pipeline, rows: (1...rowCount).map { "row \($0)" })
    }

    /// The row number in a chat request's last message (`row 7`, or `again: row 7`).
    static func row(_ request: HTTPRequest) -> Int {
        guard case .object(let body)? = try? request.body.withUnsafeBytes({ try JSONParser.parse($0) }),
            case .array(let messages)? = body["messages"], case .object(let message)? = messages.last,
            case .string(let content)? = message["content"], let number = content.split(separator: " ").last
        else { return 0 }
        return Int(number) ?? 0
    }

    /// A chat answer with `usage` as OpenAI reports it, its details in their objects.
    static func answer(_ request: HTTPRequest, offset: Int = 0) -> ScriptedTransport.Step {
        let k = row(request)
        let usage = RowUsage(k + offset)
        return .respond(
            .json(
                200,
                """
                {"id":"chatcmpl-\(k)","object":"chat.completion","model":"gpt-5.6","choices":[{"index":0,\
                "message":{"role":"assistant","content":"row \(k)"},"finish_reason":"stop"}],\
                "usage":{"prompt_tokens":\(usage.prompt),"completion_tokens":\(usage.completion),\
                "prompt_tokens_details":{"cached_tokens":\(usage.cached),"cache_write_tokens":\(usage.written)},\
                "completion_tokens_details":{"reasoning_tokens":\(usage.reasoning)}}}
                """))
    }

    static func integer(_ value: JSONValue?) -> Int? {
        if case .number(let text)? = value { Int(text) } else { nil }
    }

    static func object(_ value: JSONValue?) -> JSONObject? {
        if case .object(let object)? = value { object } else { nil }
    }

    static func decimal(_ value: JSONValue?) -> Decimal? {
        if case .number(let text)? = value { Decimal(string: text) } else { nil }
    }

    static func summary(_ job: RowFlowTests.Job) throws -> JSONObject {
        let text = try String(contentsOfFile: job.directory.path + "/out.jsonl.gz.summary.json", encoding: .utf8)
        return try #require(object(try Array(text.utf8).withUnsafeBytes { try JSONParser.parse($0) }))
    }

    /// A record's `usage`: its details are there exactly when the row has some.
    static func checkUsage(_ usage: JSONObject?, _ expected: RowUsage, _ id: String) {
        guard let usage else {
            Issue.record("row \(id) has no usage")
            return
        }
        #expect(integer(usage["prompt_tokens"]) == expected.prompt, "row \(id)")
        #expect(integer(usage["completion_tokens"]) == expected.completion, "row \(id)")
        let prompt = object(usage["prompt_tokens_details"])
        #expect(integer(prompt?["cached_tokens"]) == (expected.cached > 0 ? expected.cached : nil), "row \(id)")
        #expect(integer(prompt?["cache_write_tokens"]) == (expected.written > 0 ? expected.written : nil), "row \(id)")
        #expect((prompt == nil) == (expected.cached == 0 && expected.written == 0), "row \(id)")
        let completion = object(usage["completion_tokens_details"])
        #expect(integer(completion?["reasoning_tokens"]) == (expected.reasoning > 0 ? expected.reasoning : nil), "row \(id)")
        #expect((completion == nil) == (expected.reasoning == 0), "row \(id)")
    }

    /// The figures the summary (or one `by_model` entry) gives for `rows` at `cost` a row.
    static func checkFigures(_ figures: JSONObject?, rows: ClosedRange<Int>, cost: (RowUsage) -> Int64, saving: Int64?) {
        guard let figures else {
            Issue.record("no figures")
            return
        }
        let usages = rows.map(RowUsage.init)
        let prompt = usages.reduce(0) { $0 + $1.prompt }
        let cached = usages.reduce(0) { $0 + $1.cached }
        #expect(integer(figures["prompt_tokens"]) == prompt)
        #expect(integer(figures["completion_tokens"]) == usages.reduce(0) { $0 + $1.completion })
        #expect(integer(figures["cached_prompt_tokens"]) == cached)
        #expect(integer(figures["cache_write_tokens"]) == usages.reduce(0) { $0 + $1.written })
        #expect(integer(figures["reasoning_tokens"]) == usages.reduce(0) { $0 + $1.reasoning })
        var exact = Decimal(cached) / Decimal(prompt)
        var share = Decimal()
        NSDecimalRound(&share, &exact, 4, .plain)
        #expect(decimal(figures["prompt_cache_hit_share"]) == share)
        #expect(SamplePipelineTests.picodollars(figures["cost_usd"]) == usages.reduce(0) { $0 + cost($1) })
        if let saving {
            #expect(SamplePipelineTests.picodollars(figures["prompt_cache_saved_usd"]) == Int64(cached) * saving)
        } else {
            #expect(figures["prompt_cache_saved_usd"] == .null)
        }
    }

    /// Each record carries its cached, cache-write and reasoning tokens where it has some;
    /// each record's cost, and the job's, are the tokens priced by the table (gpt-5.6's
    /// cache-write price included) to the picodollar; the summary and `by_model` give the
    /// details, the prompt cache's share of the prompt tokens and what it saved.
    @Test func recordsAndSummaryCarryTheDetailsPricedExactly() async throws {
        let job = try Self.job()
        defer { job.directory.remove() }
        let transport = ScriptedTransport { request, _ in Self.answer(request) }
        let (report, records) = try await job.run(transport)
        #expect(report.complete)
        #expect(records.count == Self.rowCount)
        for record in records {
            let id = try #require(record.string("id"))
            let usage = RowUsage(Int(id)!)
            Self.checkUsage(Self.object(record["usage"]), usage, id)
            #expect(SamplePipelineTests.picodollars(record["cost_usd"]) == usage.gpt56Cost, "row \(id)")
        }
        let expected = (1...Self.rowCount).map(RowUsage.init).reduce(Int64(0)) { $0 + $1.gpt56Cost }
        #expect(report.statistics.cost == Money(picodollars: expected))
        let summary = try Self.summary(job)
        Self.checkFigures(summary, rows: 1...Self.rowCount, cost: \.gpt56Cost, saving: 3_600_000)
        Self.checkFigures(Self.object(Self.object(summary["by_model"])?["gpt-5.6"]), rows: 1...Self.rowCount, cost: \.gpt56Cost, saving: 3_600_000)
    }

    /// Stopped after 5 answers and run again: the ledger's totals, `status --json` and the
    /// summary hold every row's details once, as an uninterrupted run's would.
    @Test func detailsAddUpAcrossAStopAndAResume() async throws {
        let job = try Self.job()
        defer { job.directory.remove() }
        let stop = StopRequest()
        let first = ScriptedTransport { request, index in
            if index == 4 { stop.request() }
            return Self.answer(request)
        }
        let (stopped, part) = try await job.run(first, stop: stop)
        #expect(stopped.stop == .interrupted)
        #expect(part.count == 5)
        let rows = part.compactMap { $0.string("id").flatMap { Int($0) } }.map(RowUsage.init)
        #expect(stopped.statistics.usage.cacheWriteTokens == rows.reduce(0) { $0 + $1.written })
        #expect(stopped.statistics.usage.reasoningTokens == rows.reduce(0) { $0 + $1.reasoning })

        let (resumed, records) = try await job.run(ScriptedTransport { request, _ in Self.answer(request) })
        #expect(resumed.complete)
        #expect(resumed.statistics.resumedRows == 5)
        #expect(records.count == Self.rowCount)
        Self.checkFigures(try Self.summary(job), rows: 1...Self.rowCount, cost: \.gpt56Cost, saving: 3_600_000)

        let configuration = try PipelineLoader.load(path: job.directory.path + "/p.yaml", environment: [:])
        let all = (1...Self.rowCount).map(RowUsage.init)
        let progress = try #require(try JobStatus.read(configuration).progress)
        #expect(
            progress.records.usage
                == TokenUsage(
                    promptTokens: all.reduce(0) { $0 + $1.prompt }, completionTokens: all.reduce(0) { $0 + $1.completion },
                    cachedPromptTokens: all.reduce(0) { $0 + $1.cached }, cacheWriteTokens: all.reduce(0) { $0 + $1.written },
                    reasoningTokens: all.reduce(0) { $0 + $1.reasoning }))
        #expect(progress.records.promptCacheSaved == Money(picodollars: 3_600_000) * all.reduce(0) { $0 + $1.cached })
        let status = try #require(
            Self.object(try Array(JSONDocument.text(try JobStatus.read(configuration)).utf8).withUnsafeBytes { try JSONParser.parse($0) }))
        #expect(Self.integer(status["cache_write_tokens"]) == all.reduce(0) { $0 + $1.written })
        #expect(Self.integer(status["reasoning_tokens"]) == all.reduce(0) { $0 + $1.reasoning })
        #expect(Self.integer(status["cached_prompt_tokens"]) == all.reduce(0) { $0 + $1.cached })
        #expect(SamplePipelineTests.picodollars(status["prompt_cache_saved_usd"]) == progress.records.promptCacheSaved?.picodollars)
    }

    /// Started again, the job finds every answer in the response cache: the records carry
    /// the details the server reported, at no cost, and what they would have cost is saved.
    @Test func answersFromTheResponseCacheKeepTheirDetails() async throws {
        let job = try Self.job()
        defer { job.directory.remove() }
        _ = try await job.run(ScriptedTransport { request, _ in Self.answer(request) })
        let again = ScriptedTransport { request, _ in Self.answer(request) }
        let (report, records) = try await job.run(
            again, overrides: PipelineOverrides(mockBaseURL: "http://127.0.0.1:1/v1"), options: JobRunner.Options(fresh: true))
        #expect(report.complete)
        #expect(again.sent.isEmpty)
        #expect(report.statistics.cacheHits == Self.rowCount)
        for record in records {
            let id = try #require(record.string("id"))
            #expect(record["cached"] == .bool(true), "row \(id)")
            Self.checkUsage(Self.object(record["usage"]), RowUsage(Int(id)!), id)
        }
        let summary = try Self.summary(job)
        let expected = (1...Self.rowCount).map(RowUsage.init).reduce(Int64(0)) { $0 + $1.gpt56Cost }
        #expect(SamplePipelineTests.picodollars(summary["saved_usd"]) == expected)
        #expect(SamplePipelineTests.picodollars(summary["cost_usd"]) == 0)
        #expect(SamplePipelineTests.picodollars(summary["prompt_cache_saved_usd"]) == 0)
        #expect(Self.decimal(summary["prompt_cache_hit_share"]) == 0)
    }

    /// In a job of two models, each step's record and each model's `by_model` entry carry
    /// their own details and their own prompt-cache savings; the row's usage and the job's
    /// figures are their sums.
    @Test func multiStepRecordsAndModelsCarryTheirOwnDetails() async throws {
        let pipeline = """
            name: usage-steps
            input: {path: rows.jsonl}
            limits: {max_concurrency: 1}
            output: {path: out.jsonl.gz}
            steps:
              - name: think
                endpoint: chat
                model: gpt-5.6
                messages: [{role: user, content: "{{text}}"}]
                params: {max_completion_tokens: 200}
              - name: tidy
                endpoint: chat
                model: gpt-4o-mini
                messages: [{role: user, content: "again: {{steps.think.output}}"}]
                params: {max_completion_tokens: 20}
            """
        let job = try Self.job(pipeline)
        defer { job.directory.remove() }
        // The second step's answers report the usage of row k + 100.
        let transport = ScriptedTransport { request, _ in
            Self.answer(request, offset: RowFlowTests.model(request) == "gpt-4o-mini" ? 100 : 0)
        }
        let (report, records) = try await job.run(transport)
        #expect(report.complete)
        #expect(records.count == Self.rowCount)
        for record in records {
            let id = try #require(record.string("id"))
            let k = Int(id)!
            let (think, tidy) = (RowUsage(k), RowUsage(k + 100))
            let steps = Self.object(record["steps"])
            Self.checkUsage(Self.object(Self.object(steps?["think"])?["usage"]), think, id)
            Self.checkUsage(Self.object(Self.object(steps?["tidy"])?["usage"]), tidy, id)
            var sum = think
            sum.prompt += tidy.prompt
            sum.completion += tidy.completion
            sum.cached += tidy.cached
            sum.written += tidy.written
            sum.reasoning += tidy.reasoning
            Self.checkUsage(Self.object(record["usage"]), sum, id)
            #expect(SamplePipelineTests.picodollars(record["cost_usd"]) == think.gpt56Cost + tidy.gpt4oMiniCost, "row \(id)")
        }
        let byModel = Self.object(try Self.summary(job)["by_model"])
        Self.checkFigures(Self.object(byModel?["gpt-5.6"]), rows: 1...Self.rowCount, cost: \.gpt56Cost, saving: 3_600_000)
        Self.checkFigures(Self.object(byModel?["gpt-4o-mini"]), rows: 101...(100 + Self.rowCount), cost: \.gpt4oMiniCost, saving: 75_000)
        let saved =
            Money(picodollars: 3_600_000) * (1...Self.rowCount).reduce(0) { $0 + RowUsage($1).cached }
            + Money(picodollars: 75_000) * (101...(100 + Self.rowCount)).reduce(0) { $0 + RowUsage($1).cached }
        #expect(report.statistics.promptCacheSaved == saved)
    }

    /// A model without a price: the prompt cache's savings are unknown (null), as the cost
    /// is, never a wrong zero; its share of the prompt tokens is still given.
    @Test func savingsOfAModelWithoutAPriceAreNull() async throws {
        let job = try Self.job(Self.pipeline("acme-chat-1", extra: "tokenizer: o200k_base"))
        defer { job.directory.remove() }
        let (report, _) = try await job.run(ScriptedTransport { request, _ in Self.answer(request) })
        #expect(report.complete)
        let summary = try Self.summary(job)
        #expect(summary["cost_usd"] == .null)
        #expect(summary["prompt_cache_saved_usd"] == .null)
        #expect(Self.decimal(summary["prompt_cache_hit_share"]) ?? 0 > 0)
        #expect(Self.object(Self.object(summary["by_model"])?["acme-chat-1"])?["prompt_cache_saved_usd"] == .null)
    }

    /// The share is rounded half up to 4 places, exactly, and is 0 without prompt tokens.
    @Test func promptCacheHitShareIsRoundedToFourPlaces() {
        #expect(JobSummary.promptCacheHitShare(TokenUsage(promptTokens: 0, completionTokens: 5)) == 0)
        #expect(JobSummary.promptCacheHitShare(TokenUsage(promptTokens: 3, completionTokens: 0, cachedPromptTokens: 1)) == Decimal(string: "0.3333"))
        #expect(JobSummary.promptCacheHitShare(TokenUsage(promptTokens: 3, completionTokens: 0, cachedPromptTokens: 2)) == Decimal(string: "0.6667"))
        #expect(
            JobSummary.promptCacheHitShare(TokenUsage(promptTokens: 20_000, completionTokens: 0, cachedPromptTokens: 1)) == Decimal(string: "0.0001"))
        #expect(JobSummary.promptCacheHitShare(TokenUsage(promptTokens: 1_024, completionTokens: 0, cachedPromptTokens: 1_024)) == 1)
    }
}

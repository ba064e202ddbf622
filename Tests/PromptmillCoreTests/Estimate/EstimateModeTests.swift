import Foundation
import Testing
import PromptmillCore
import PromptmillTesting

/// `estimate` with modes: the cost of each way (standard, flex, batch), the plan the job's
/// mode follows with the time each way needs, and the job's cost as planned; in the JSON
/// under the contract's names, and in the table.
@Suite struct EstimateModeTests {
    static let texts = ["good value", "bad and ugly", "Ça va? 😀", "don't stop", "fine", "meh"]
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static let chat = """
        name: modes
        input: {path: rows.jsonl, id: id}
        endpoint: chat
        model: gpt-5-mini
        messages:
          - {role: user, content: "Sentiment of: {{text}}"}
        params: {max_completion_tokens: 20}
        limits: {requests_per_minute: 2, tokens_per_minute: 100000}
        output: {path: out.jsonl.gz}
        """

    static func directory(_ yaml: String) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write("rows.jsonl", texts.enumerated().map { "{\"id\":\"r\($0.offset)\",\"text\":\"\($0.element)\"}" }.joined(separator: "\n"))
        try directory.write("p.yaml", yaml)
        return directory
    }

    /// The estimate of `yaml` with `--mode`/`--deadline` as given, on the fixed clock, and its
    /// JSON as `estimate --json` prints it.
    static func estimate(_ yaml: String, mode: JobMode? = nil, deadline: String? = nil) throws -> (JobEstimate, [String: JSONValue]) {
        let directory = try Self.directory(yaml)
        defer { directory.remove() }
        var overrides = PipelineOverrides()
        overrides.mode = mode
        overrides.deadline = deadline
        let configuration = try PipelineLoader.load(
            path: directory.path + "/p.yaml", overrides: overrides, environment: ["XDG_CACHE_HOME": directory.path])
        let estimate = try JobEstimator(configuration: configuration, catalog: try ModelCatalog.builtIn(), now: now).estimate()
        guard case .object(let object) = try JSONParser.parse(JSONDocument.text(estimate)) else { throw JSONShapeError() }
        return (estimate, Dictionary(uniqueKeysWithValues: zip(object.keys, object.values)))
    }

    struct JSONShapeError: Error {}

    /// `{"min": a, "max": b}` for a range, as numbers compared exactly.
    static func range(_ range: CostRange) -> JSONValue {
        .object(JSONObject(keys: ["max", "min"], values: [number(range.max), number(range.min)]))
    }

    static func number(_ money: Money) -> JSONValue { .number(money.picodollars == 0 ? "0" : money.decimalText) }

    /// A live job at the default tier: today's cost, the three ways beside it, and a plan of
    /// every row at standard, with the time each way needs (6 requests at 2 a minute, both
    /// buckets full at the start: 2 minutes; flex twice that; batch its 24 h window).
    @Test func liveJobShowsEveryWayAndPlansStandard() throws {
        let (estimate, json) = try Self.estimate(Self.chat)
        let tokens = estimate.promptTokens
        let completion = estimate.completionTokensMax
        #expect(completion == 6 * 20)
        let standard = CostRange(
            min: Money(picodollars: 250_000) * tokens, max: Money(picodollars: 250_000) * tokens + Money(picodollars: 2_000_000) * completion)
        let half = CostRange(
            min: Money(picodollars: 125_000) * tokens, max: Money(picodollars: 125_000) * tokens + Money(picodollars: 1_000_000) * completion)
        #expect(estimate.costByMode == [.standard: standard, .flex: half, .batch: half])
        #expect(
            json["cost_usd_by_mode"]
                == .object(JSONObject(keys: ["batch", "flex", "standard"], values: [Self.range(half), Self.range(half), Self.range(standard)])))
        #expect(json["cost_usd_min"] == Self.number(standard.min))
        #expect(json["cost_usd_max"] == Self.number(standard.max))
        #expect(json["min_seconds"] == .number("120"))
        #expect(
            json["plan"]
                == .object(
                    JSONObject(
                        keys: ["mode", "reason", "rows_by_mode", "seconds_by_mode"],
                        values: [
                            .string("standard"), .string("mode: live at the standard tier"),
                            .object(JSONObject(keys: ["batch", "flex", "standard"], values: [.number("0"), .number("0"), .number("6")])),
                            .object(JSONObject(keys: ["batch", "flex", "standard"], values: [.number("86400"), .number("240"), .number("120")])),
                        ])))
    }

    /// --mode batch: every row by the Batch API, and the job's cost is the batch range: half.
    @Test func batchModeCostsTheBatchRange() throws {
        let (estimate, json) = try Self.estimate(Self.chat, mode: .batch)
        let batch = try #require(estimate.costByMode[.batch])
        #expect(estimate.costMin == batch.min && estimate.costMax == batch.max)
        #expect(try #require(estimate.costByMode[.standard]).min == batch.min * 2)
        #expect(estimate.plan?.rowsByMode == [.batch: 6])
        guard case .object(let plan)? = json["plan"] else { throw JSONShapeError() }
        #expect(plan["mode"] == .string("batch"))
        #expect(
            plan["rows_by_mode"] == .object(JSONObject(keys: ["batch", "flex", "standard"], values: [.number("6"), .number("0"), .number("0")])))
    }

    /// --mode auto: no deadline is batch; a deadline of 2 h (inside the window) is flex,
    /// priced as flex; live with params.service_tier priority is priority, priced so.
    @Test func autoFollowsTheDeadline() throws {
        let (batch, _) = try Self.estimate(Self.chat, mode: .auto)
        #expect(batch.plan?.mode == .batch)
        let (flex, json) = try Self.estimate(Self.chat, mode: .auto, deadline: "2h")
        #expect(flex.plan?.rowsByMode == [.flex: 6])
        #expect(flex.costMin == flex.costByMode[.flex]?.min && flex.costMax == flex.costByMode[.flex]?.max)
        guard case .object(let plan)? = json["plan"] else { throw JSONShapeError() }
        #expect(plan["mode"] == .string("flex"))
        #expect(
            plan["reason"]
                == .string(
                    "the deadline, 2 h away, is too near for the Batch API (24 h and 15 min for stragglers); flex (batch prices): can finish every row in 4 min"
                ))
        let priority = Self.chat.replacingOccurrences(of: "max_completion_tokens: 20", with: "max_completion_tokens: 20, service_tier: priority")
        let (live, _) = try Self.estimate(priority)
        #expect(live.plan?.mode == .priority)
        #expect(live.costMin == Money(picodollars: 450_000) * live.promptTokens)
    }

    /// A model without flex prices: flex is null in the JSON and "not offered" in the table;
    /// batch is half of standard by rule, and says so; auto inside the window goes standard.
    @Test func modelWithoutFlexShowsItNotOffered() throws {
        let yaml = """
            name: modes
            input: {path: rows.jsonl, id: id}
            endpoint: completions
            model: gpt-3.5-turbo-instruct
            prompt: "Sentiment of: {{text}}"
            params: {max_tokens: 20}
            output: {path: out.jsonl.gz}
            """
        let (estimate, json) = try Self.estimate(yaml, mode: .auto, deadline: "2h")
        #expect(estimate.model == "gpt-3.5-turbo-instruct")
        #expect(estimate.costByMode[.flex] == nil)
        #expect(estimate.flexNotOffered == ["gpt-3.5-turbo-instruct"])
        #expect(estimate.batchByRule == ["gpt-3.5-turbo-instruct"])
        let standard = try #require(estimate.costByMode[.standard])
        #expect(estimate.costByMode[.batch] == CostRange(min: standard.min.halfForTest, max: standard.max.halfForTest))
        guard case .object(let costs)? = json["cost_usd_by_mode"], case .object(let plan)? = json["plan"],
            case .object(let seconds)? = plan["seconds_by_mode"]
        else { throw JSONShapeError() }
        #expect(costs["flex"] == .null)
        #expect(seconds["flex"] == .null)
        #expect(plan["mode"] == .string("standard"))
        #expect(estimate.costMin == standard.min)
    }

    /// Steps on models with and without flex: the flex way sends each step at flex where its
    /// model offers it, at standard otherwise.
    @Test func flexWayKeepsStandardForStepsWithoutFlex() throws {
        let yaml = """
            name: two
            input: {path: rows.jsonl, id: id}
            steps:
              - name: first
                endpoint: chat
                model: gpt-5-mini
                messages: [{role: user, content: "Sentiment of: {{text}}"}]
                params: {max_completion_tokens: 20}
              - name: second
                endpoint: chat
                model: gpt-4o-mini
                messages: [{role: user, content: "Shorten: {{steps.first.output}}"}]
                params: {max_completion_tokens: 10}
            output: {path: out.jsonl.gz}
            """
        let (estimate, _) = try Self.estimate(yaml, mode: .auto, deadline: "3h")
        #expect(estimate.flexNotOffered == ["gpt-4o-mini"])
        #expect(estimate.plan?.mode == .flex)
        let catalog = try ModelCatalog.builtIn()
        let first = try #require(catalog.prices(for: "gpt-5-mini", override: nil))
        let second = try #require(catalog.prices(for: "gpt-4o-mini", override: nil))
        let steps = estimate.steps
        #expect(steps.count == 2)
        let expectedMax =
            first.worstCase(promptTokens: steps[0].promptTokensMax, completionTokens: steps[0].completionTokensMax, tier: .flex)
            + second.worstCase(promptTokens: steps[1].promptTokensMax, completionTokens: steps[1].completionTokensMax)
        #expect(estimate.costByMode[.flex]?.max == expectedMax)
        #expect(estimate.costMax == expectedMax)
        #expect(steps[1].costMax == second.worstCase(promptTokens: steps[1].promptTokensMax, completionTokens: steps[1].completionTokensMax))
    }

    /// The table as a user reads it: the cost as planned, each way, the plan and the times.
    @Test func tableShowsEachWayAndThePlan() throws {
        let directory = try Self.directory(Self.chat)
        defer { directory.remove() }
        let (estimate, _) = try Self.estimate(Self.chat)
        let standard = try #require(estimate.costByMode[.standard])
        let half = try #require(estimate.costByMode[.flex])
        let outcome = try CommandLineTests.run(["estimate", "p.yaml", "--mode", "auto", "--deadline", "2h"], directory: directory.path)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("  cost               \(half.min) to \(half.max)  (as planned: flex; prices: table of 2026-12-01)\n"))
        #expect(
            outcome.stdout.contains(
                """
                  cost each way      standard  \(standard.min) to \(standard.max)
                                     flex      \(half.min) to \(half.max)
                                     batch     \(half.min) to \(half.max)

                """))
        #expect(
            outcome.stdout.contains(
                """
                  plan (mode auto)   flex: the deadline, 2 h away, is too near for the Batch API (24 h and 15 min for stragglers); flex (batch prices): can finish every row in 4 min
                  time each way      batch within 24 h (the Batch API's window); flex about 4 min 0 s (2 × standard's, allowing for refusals); standard 2 min 0 s

                """))
    }
}

extension Money {
    /// Half, halves rounded up: what the Batch API rule makes of a standard figure (exact here:
    /// the figures are even).
    fileprivate var halfForTest: Money { Money(picodollars: (picodollars + 1) / 2) }
}

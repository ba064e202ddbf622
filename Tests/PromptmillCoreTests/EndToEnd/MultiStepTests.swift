import Foundation
import Testing
import PromptmillCore
@testable import PromptmillSimulator
import PromptmillTesting

/// Multi-step pipelines: each step cached, resumable and costed like a one-step pipeline.
@Suite struct MultiStepTests {
    static let pipeline = """
        name: two-steps
        input: {path: INPUT, id: id}
        steps:
          - name: summary
            endpoint: chat
            model: gpt-4o-mini
            messages: [{role: user, content: "Summarise this note: {{text}}. It was written on day {{id}}."}]
            params: {max_completion_tokens: 30, temperature: 0}
          - name: label
            when: steps.summary.output != "skip"
            endpoint: completions
            model: gpt-3.5-turbo-instruct
            prompt: "Classify the sentiment. Review: {{steps.summary.output}}\\nSentiment:"
            params: {max_tokens: 3, temperature: 0, stop: ["\\n"]}
            batch_size: 10
        limits: {max_concurrency: 4, max_retries: 2}
        output: {path: out.jsonl.gz, include: [id]}
        """

    static func rows(_ count: Int) -> String {
        (1...count).map { "{\"id\":\"n\($0)\",\"text\":\"the \(["great", "awful", "fine"][$0 % 3]) kettle number \($0)\"}\n" }.joined()
    }

    /// Stopped by the quota in the middle of its first step, then run again: every row ends
    /// with both steps' answers, the totals are an uninterrupted run's, and the API was paid
    /// for each request once.
    @Test func stoppedJobFinishesWithNothingPaidTwice() async throws {
        let reference = try await RunHarness()
        defer { Task { await reference.stop() } }
        let whole = try await reference.run(pipeline: Self.pipeline, input: Self.rows(60))
        #expect(whole.report.exitCode == 0)
        #expect(whole.records.count == 60)
        let wholeServed = reference.simulator.statistics()

        var limited = SimulatorConfiguration()
        limited.quotaRequests = 25
        let harness = try await RunHarness(simulator: limited)
        defer { Task { await harness.stop() } }
        let first = try await harness.run(pipeline: Self.pipeline, input: Self.rows(60))
        #expect(first.report.exitCode == 4)
        // Steps stream: a row's record is written when its last step is done, so the rows
        // that got through both steps before the stop have one, and only they.
        #expect(first.records.count < 60)
        #expect(
            first.records.allSatisfy { record in
                guard case .object(let steps)? = record["steps"] else { return false }
                return steps.keys == ["summary", "label"]
                    && steps.values.allSatisfy { step in
                        if case .object(let result) = step { result["output"] != .null } else { false }
                    }
            }, "a record is written only when both steps answered")
        harness.simulator.setQuota(requests: nil)
        let second = try await harness.runAgain()
        #expect(second.report.exitCode == 0)
        #expect(second.records.count == 60)
        #expect(ResumeTests.outputs(second.records) == ResumeTests.outputs(whole.records))
        #expect(second.report.statistics.usage == whole.report.statistics.usage)
        #expect(second.report.statistics.cost == whole.report.statistics.cost)
        let served = harness.simulator.statistics()
        #expect(served.promptTokens == wholeServed.promptTokens)
        #expect(served.completionTokens == wholeServed.completionTokens)
        // Run again: nothing left to do, nothing sent.
        let requests = served.requests
        let third = try await harness.runAgain()
        #expect(third.report.exitCode == 0)
        #expect(harness.simulator.statistics().requests == requests)
    }

    /// What the simulator was paid, at the table's prices of the two steps' models (the chat
    /// model's and the completions model's), in picodollars.
    static func paid(_ log: String) throws -> Int64 {
        var total: Int64 = 0
        for line in try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n") {
            guard case .object(let entry) = try Array(line.utf8).withUnsafeBytes({ try JSONParser.parse($0) }),
                case .number(let prompt)? = entry["prompt_tokens"], case .number(let completion)? = entry["completion_tokens"],
                case .array(let texts)? = entry["texts"], case .string(let first)? = texts.first
            else { continue }
            // Chat requests carry the summarising note; completions the classification prompt.
            let chat = first.hasPrefix("Summarise")
            total += Int64(prompt)! * (chat ? 150_000 : 1_500_000) + Int64(completion)! * (chat ? 600_000 : 2_000_000)
        }
        return total
    }

    /// A budget holds over every step and every run: capped at half the job's cost, the job
    /// stops with exit 3; run again with the same cap, it sends nothing more than fits (the
    /// first step's answers, not yet in any record, count); with a larger cap it finishes at
    /// the uninterrupted totals.
    @Test func budgetHoldsAcrossStepsAndRuns() async throws {
        let reference = try await RunHarness()
        defer { Task { await reference.stop() } }
        let whole = try await reference.run(pipeline: Self.pipeline, input: Self.rows(60))
        let cost = try #require(whole.report.statistics.cost)

        var logged = SimulatorConfiguration()
        let harness = try await RunHarness(
            simulator: {
                logged.paidLogPath = FileManager.default.temporaryDirectory.appendingPathComponent("paid-\(UUID().uuidString).jsonl").path
                return logged
            }())
        defer { Task { await harness.stop() } }
        let cap = Money(picodollars: cost.picodollars / 2)
        try harness.directory.write("rows.jsonl", Self.rows(60))
        try harness.writePipeline(Self.pipeline)
        let first = try await harness.runAgain { $0.maxUSD = cap.dollars }
        #expect(first.report.exitCode == 3)
        #expect(try Self.paid(logged.paidLogPath!) <= Money(dollars: cap.dollars).picodollars)
        let again = try await harness.runAgain { $0.maxUSD = cap.dollars }
        #expect(again.report.exitCode == 3)
        #expect(try Self.paid(logged.paidLogPath!) <= Money(dollars: cap.dollars).picodollars)
        let finished = try await harness.runAgain { $0.maxUSD = cost.dollars * 2 }
        #expect(finished.report.exitCode == 0)
        #expect(finished.records.count == 60)
        #expect(finished.report.statistics.cost == cost)
        #expect(try Self.paid(logged.paidLogPath!) == cost.picodollars)
        try? FileManager.default.removeItem(atPath: logged.paidLogPath!)
    }

    /// A later step's result is in the record beside the earlier one's; a step whose `when`
    /// does not hold is marked skipped and costs nothing.
    @Test func recordsHoldEveryStep() async throws {
        let harness = try await RunHarness()
        defer { Task { await harness.stop() } }
        let pipeline = Self.pipeline.replacingOccurrences(of: "steps.summary.output != \"skip\"", with: "id != n2")
        let (report, records) = try await harness.run(pipeline: pipeline, input: Self.rows(6))
        #expect(report.exitCode == 0)
        for record in records {
            guard case .object(let steps)? = record["steps"], case .object(let summary)? = steps["summary"],
                case .object(let label)? = steps["label"]
            else {
                Issue.record("no steps in \(record)")
                continue
            }
            #expect(summary["model"] == .string("gpt-4o-mini"))
            #expect(label["model"] == .string("gpt-3.5-turbo-instruct"))
            if record.string("id") == "n2" {
                #expect(label["skipped"] == .bool(true))
                #expect(label["cost_usd"] == .number("0"))
                #expect(record["output"] == summary["output"])
            } else {
                #expect(label["skipped"] == .bool(false))
                #expect(record["output"] == label["output"])
                guard case .string(let text)? = summary["output"], case .string(let sentiment)? = label["output"] else { continue }
                #expect(sentiment == AnswerRules.sentiment(of: text))
            }
        }
    }

    /// Each step sends its own `user_field`, hashed, or no user at all.
    @Test func eachStepNamesItsOwnUser() async throws {
        let harness = try await RunHarness()
        defer { Task { await harness.stop() } }
        let pipeline = Self.pipeline.replacingOccurrences(of: "    batch_size: 10\n", with: "    batch_size: 10\n    user_field: id\n")
        #expect(pipeline.contains("user_field: id"))
        let (report, _) = try await harness.run(pipeline: pipeline, input: Self.rows(8))
        #expect(report.exitCode == 0)
        for request in harness.simulator.receivedRequests() {
            guard case .object(let body) = try request.body.withUnsafeBytes({ try JSONParser.parse($0) }) else { continue }
            if request.path.hasSuffix("/chat/completions") {
                #expect(body["user"] == nil)
            } else if case .array(let prompts)? = body["prompt"], prompts.count == 1, case .string(let user)? = body["user"] {
                // One user per request: ids are distinct, so each prompt goes alone.
                #expect(user.count == 64 && !user.hasPrefix("n"))
            } else {
                Issue.record("a completions request without its one row's user: \(String(decoding: request.body, as: UTF8.self))")
            }
        }
    }

    /// Steps are checked at validate time: names, order of references, `when`, and keys
    /// that belong inside a step.
    @Test func stepsAreChecked() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("rows.jsonl", "{\"text\":\"hello\"}\n")
        let path = try directory.write(
            "p.yaml",
            """
            name: s
            input: {path: rows.jsonl}
            model: gpt-4o-mini
            steps:
              - name: first
                endpoint: completions
                model: gpt-3.5-turbo-instruct
                prompt: "{{steps.second.output}}"
              - name: first
                when: steps.later.output == yes
                endpoint: chat
                model: gpt-4o-mini
                messages: [{role: user, content: "{{text}}"}]
            output: {path: out.jsonl.gz}
            """)
        do {
            _ = try PipelineLoader.load(path: path, environment: [:])
            Issue.record("the pipeline loaded")
        } catch {
            #expect(
                error.problems.map(\.message) == [
                    "model belongs inside each step when the pipeline has steps:",
                    "steps[0] (first) reads {{steps.second.output}}, but 'second' is not an earlier step",
                    "steps[1] (first): another step is already named 'first'",
                    "steps[1] (first).when reads steps.later, which is not an earlier step",
                ])
        }
    }
}

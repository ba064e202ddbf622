import Foundation
import Testing
import PromptmillCore
import PromptmillSimulator
import PromptmillTesting

/// Whole runs over real HTTP against the built-in simulator: batching, index mapping,
/// errors and the files a run leaves.
@Suite struct CompletionsRunTests {
    static func rows(_ count: Int) -> String {
        (1...count).map { "{\"key\":\"k\($0)\",\"text\":\"row number \($0) says hello \(String(repeating: "x", count: $0 % 7))\"}" }
            .joined(separator: "\n") + "\n"
    }

    static func pipeline(batchSize: Int, extra: String = "") -> String {
        """
        name: e2e
        input: {path: INPUT, id: key}
        endpoint: completions
        model: gpt-3.5-turbo-instruct
        prompt: "Continue: {{text}}"
        params: {n: 2, max_tokens: 6, temperature: 0.7}
        batch_size: \(batchSize)
        limits: {max_concurrency: 4}
        output: {path: out.jsonl.gz, include: [key]}
        \(extra)
        """
    }

    static func outputs(_ records: [JSONObject]) -> [String: JSONValue] {
        Dictionary(uniqueKeysWithValues: records.map { ($0.string("id")!, $0["output"]!) })
    }

    /// 45 rows with batch_size 20 and n 2, choices shuffled by the server: exactly 3 requests
    /// (20, 20 and 5 prompts), and every row gets the same two completions it gets when sent alone.
    @Test func batchesMapChoicesByIndex() async throws {
        var shuffled = SimulatorConfiguration()
        shuffled.shuffleChoices = true
        let batched = try await RunHarness(simulator: shuffled)
        defer { Task { await batched.stop() } }
        let (report, records) = try await batched.run(pipeline: Self.pipeline(batchSize: 20), input: Self.rows(45))
        #expect(report.exitCode == 0)
        #expect(report.complete)
        #expect(try batched.promptCounts().sorted() == [5, 20, 20])
        #expect(records.count == 45)
        #expect(Set(records.compactMap { $0.string("id") }).count == 45)

        let alone = try await RunHarness()
        defer { Task { await alone.stop() } }
        let (_, reference) = try await alone.run(pipeline: Self.pipeline(batchSize: 1), input: Self.rows(45))
        #expect(try alone.promptCounts() == Array(repeating: 1, count: 45))
        let expected = Self.outputs(reference)
        for (id, output) in Self.outputs(records) {
            guard case .array(let texts) = output else {
                Issue.record("row \(id): output is not a list of 2 texts")
                continue
            }
            #expect(texts.count == 2)
            #expect(output == expected[id], "row \(id) got another row's completions")
        }
    }

    /// A record per the contract: id, copied input, output, finish_reason, usage, honest
    /// cost/cache fields, attempts and error; the summary adds up the usage the server returned.
    @Test func recordsAndSummaryFollowTheContract() async throws {
        let harness = try await RunHarness()
        defer { Task { await harness.stop() } }
        let pipeline = Self.pipeline(batchSize: 20).replacingOccurrences(of: "n: 2, ", with: "")
        let (report, records) = try await harness.run(pipeline: pipeline, input: Self.rows(30))
        #expect(report.exitCode == 0)
        let record = try #require(records.first { $0.string("id") == "k7" })
        #expect(record.keys == ["id", "input", "output", "finish_reason", "usage", "cost_usd", "cached", "attempts", "error"])
        #expect(record["input"] == .object(JSONObject(keys: ["key"], values: [.string("k7")])))
        // The row's own tokens at the table's prices ($1.50 and $2.00 per 1M), exactly.
        guard case .object(let usage)? = record["usage"], case .number(let prompt)? = usage["prompt_tokens"],
            case .number(let completion)? = usage["completion_tokens"]
        else {
            Issue.record("record k7 has no usage")
            return
        }
        let price = Money(picodollars: 1_500_000) * Int(prompt)! + Money(picodollars: 2_000_000) * Int(completion)!
        #expect(record["cost_usd"] == .number(price.decimalText))
        #expect(record["cached"] == .bool(false))
        #expect(record["attempts"] == .number("1"))
        #expect(record["error"] == .null)

        let summary = try JSONParser.parse(try harness.file("out.jsonl.gz.summary.json"))
        guard case .object(let figures) = summary else { Issue.record("summary is not an object"); return }
        #expect(figures["items"] == .number("30"))
        #expect(figures["succeeded"] == .number("30"))
        #expect(figures["requests"] == .number("2"))
        #expect(figures["complete"] == .bool(true))
        let served = harness.simulator.statistics()
        var promptSum = 0, completionSum = 0
        for record in records {
            guard case .object(let usage)? = record["usage"],
                case .number(let prompt)? = usage["prompt_tokens"], case .number(let completion)? = usage["completion_tokens"]
            else {
                Issue.record("record without usage")
                continue
            }
            promptSum += Int(prompt)!
            completionSum += Int(completion)!
        }
        #expect(figures["prompt_tokens"] == .number(String(served.promptTokens)))
        #expect(figures["completion_tokens"] == .number(String(served.completionTokens)))
        #expect(promptSum == served.promptTokens)
        #expect(completionSum == served.completionTokens)
    }

    /// Transient faults (500, 503, dropped connections, truncated bodies) are retried until
    /// every row has the answer a clean server gives.
    @Test func faultsAreRetriedToTheRightAnswers() async throws {
        var faulty = SimulatorConfiguration()
        faulty.faults = .mixed(rate: 0.4)
        faulty.seed = 7
        let harness = try await RunHarness(simulator: faulty)
        defer { Task { await harness.stop() } }
        let pipeline = Self.pipeline(batchSize: 5, extra: "").replacingOccurrences(
            of: "max_concurrency: 4", with: "max_concurrency: 4, max_retries: 20")
        let (report, records) = try await harness.run(pipeline: pipeline, input: Self.rows(60))
        #expect(report.exitCode == 0)
        #expect(report.statistics.retries > 0)
        #expect(records.count == 60)

        let clean = try await RunHarness()
        defer { Task { await clean.stop() } }
        let (_, reference) = try await clean.run(pipeline: pipeline, input: Self.rows(60))
        #expect(Self.outputs(records) == Self.outputs(reference))
    }

    /// An exhausted quota stops the job with exit code 4 and a message naming the cause.
    @Test func insufficientQuotaStopsWithExitFour() async throws {
        var broke = SimulatorConfiguration()
        broke.insufficientQuota = true
        let harness = try await RunHarness(simulator: broke)
        defer { Task { await harness.stop() } }
        let (report, records) = try await harness.run(pipeline: Self.pipeline(batchSize: 20), input: Self.rows(100))
        #expect(report.exitCode == 4)
        #expect(!report.complete)
        #expect(records.isEmpty)
        #expect(report.stop?.message.hasPrefix("the account's quota is exhausted (insufficient_quota: ") == true)
        let summary = try harness.file("out.jsonl.gz.summary.json")
        #expect(summary.contains("\"complete\": false"))
    }

    /// The API key and organisation reach the server as headers, and the key is written nowhere.
    @Test func keyIsSentButNeverWritten() async throws {
        var keyed = SimulatorConfiguration()
        keyed.requiredAPIKey = "sk-secret-4242"
        let harness = try await RunHarness(simulator: keyed)
        defer { Task { await harness.stop() } }
        let environment = ["OPENAI_API_KEY": "sk-secret-4242", "OPENAI_ORG_ID": "org-abc", "OPENAI_PROJECT_ID": "proj-xyz"]
        let (report, records) = try await harness.run(pipeline: Self.pipeline(batchSize: 20), input: Self.rows(25), environment: environment)
        #expect(report.exitCode == 0)
        #expect(records.count == 25)
        let request = try #require(harness.simulator.receivedRequests().first)
        #expect(request.hadBearer)
        #expect(request.organization == "org-abc")
        #expect(request.project == "proj-xyz")
        for name in try FileManager.default.contentsOfDirectory(atPath: harness.directory.path) {
            let path = harness.directory.path + "/" + name
            let bytes =
                name.hasSuffix(".gz")
                ? try GzipMemberWriter.decompressAll(path: path)
                : Array(FileManager.default.contents(atPath: path) ?? Data())
            #expect(!String(decoding: bytes, as: UTF8.self).contains("sk-secret-4242"), "\(name) holds the key")
        }
    }

    /// A wrong key is refused by the server: exit 4, and the message never quotes the key.
    @Test func wrongKeyStopsWithExitFour() async throws {
        var keyed = SimulatorConfiguration()
        keyed.requiredAPIKey = "sk-right"
        let harness = try await RunHarness(simulator: keyed)
        defer { Task { await harness.stop() } }
        let (report, _) = try await harness.run(
            pipeline: Self.pipeline(batchSize: 20), input: Self.rows(5),
            environment: ["OPENAI_API_KEY": "sk-wrong-9999"])
        #expect(report.exitCode == 4)
        #expect(report.stop.map { !$0.message.contains("sk-wrong-9999") } == true)
    }

    /// With on_bad_row: skip, bad rows go to OUTPUT.rejects.jsonl with line and reason, and
    /// the rest run.
    @Test func skippedRowsGoToRejects() async throws {
        let harness = try await RunHarness()
        defer { Task { await harness.stop() } }
        let input = Self.rows(3) + "{\"key\": \"k9\", \"txt\": \"no text field\"}\n{not json}\n"
        let pipeline = Self.pipeline(batchSize: 20).replacingOccurrences(of: "id: key}", with: "id: key, on_bad_row: skip}")
        let (report, records) = try await harness.run(pipeline: pipeline, input: input)
        #expect(report.exitCode == 0)
        #expect(report.complete)
        #expect(records.count == 3)
        #expect(report.statistics.rejectedRows == 2)
        let rejects = try harness.file("out.rejects.jsonl").split(separator: "\n")
        #expect(rejects.count == 2)
        #expect(rejects[0].contains("\"line\":4"))
        #expect(rejects[0].contains("the template inserts 'text', which this row does not have"))
        #expect(rejects[1].contains("\"line\":5"))
    }

    /// Repeated ids with on_bad_row: skip: each repeat is a reject naming its first line, in a
    /// first run (which learns them from its scan) and in a run that starts the job again
    /// (whose stored scan counted bad rows, so it reads the input again to learn which).
    @Test func repeatedIdsAreRejectedWithTheirFirstLine() async throws {
        let harness = try await RunHarness()
        defer { Task { await harness.stop() } }
        let input =
            Self.rows(3) + "{\"key\": \"k2\", \"text\": \"again\"}\n{\"key\": \"k4\", \"text\": \"four\"}\n"
            + "{\"key\": \"k1\", \"text\": \"again\"}\n"
        let pipeline = Self.pipeline(batchSize: 20).replacingOccurrences(of: "id: key}", with: "id: key, on_bad_row: skip}")
        for run in 0..<2 {
            let (report, records) =
                run == 0
                ? try await harness.run(pipeline: pipeline, input: input)
                : try await harness.runAgain(options: JobRunner.Options(fresh: true))
            #expect(report.exitCode == 0)
            #expect(report.complete)
            #expect(records.compactMap { $0.string("id") }.sorted() == ["k1", "k2", "k3", "k4"])
            #expect(report.statistics.rejectedRows == 2)
            let rejects = try harness.file("out.rejects.jsonl").split(separator: "\n")
            #expect(rejects.count == 2)
            #expect(rejects[0].contains("\"line\":4") && rejects[0].contains("duplicate id 'k2' (first on line 2)"))
            #expect(rejects[1].contains("\"line\":6") && rejects[1].contains("duplicate id 'k1' (first on line 1)"))
        }
    }
}

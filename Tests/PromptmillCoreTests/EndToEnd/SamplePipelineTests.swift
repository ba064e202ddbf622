import Foundation
import Testing
import PromptmillCore
@testable import PromptmillSimulator
import PromptmillTesting

/// The requests the simulator received in this task's last `run`.
final class ReceivedRequests: @unchecked Sendable {
    private let lock = NSLock()
    private var requests: [ReceivedRequest] = []
    func set(_ value: [ReceivedRequest]) { lock.withLock { requests = value } }
    func get() -> [ReceivedRequest] { lock.withLock { requests } }
}

/// One run of a sample pipeline: what the tests check.
struct SampleRun: Sendable {
    var estimate: JobEstimate
    var report: RunReport
    var served: SimulatorStatistics
    var records: [JSONObject]
    var summary: JSONObject
    var requests: [ReceivedRequest]
    /// The job's results joined back to its input (`promptmill export --format csv`), as
    /// Python's csv module reads them: the header, then one row per input row.
    var exported: [[String]]
}

/// The suite's runs of the samples, each made once however many tests read it.
actor SampleRuns {
    static let shared = SampleRuns()
    private var runs: [String: Task<SampleRun, any Error>] = [:]

    func run(_ name: String, _ make: @escaping @Sendable () async throws -> SampleRun) async throws -> SampleRun {
        if let run = runs[name] { return try await run.value }
        let task = Task { try await make() }
        runs[name] = task
        return try await task.value
    }
}

/// The sample pipelines, run as a new user runs them, against the simulator.
@Suite struct SamplePipelineTests {
    let lastRequests = ReceivedRequests()

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    func run(_ name: String) async throws -> (estimate: JobEstimate, report: RunReport, served: SimulatorStatistics, records: [JSONObject]) {
        let (estimate, report, served, records, _) = try await runWithSummary(name)
        return (estimate, report, served, records)
    }

    /// Each sample runs once for the whole suite: the tests read its one run's results.
    func runWithSummary(_ name: String) async throws -> (
        estimate: JobEstimate, report: RunReport, served: SimulatorStatistics,
        records: [JSONObject], summary: JSONObject
    ) {
        let run = try await SampleRuns.shared.run(name) { try await Self.runOnce(name) }
        lastRequests.set(run.requests)
        return (run.estimate, run.report, run.served, run.records, run.summary)
    }

    static func runOnce(_ name: String) async throws -> SampleRun {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var simulatorConfiguration = SimulatorConfiguration()
        simulatorConfiguration.recordRequests = true
        let simulator = Simulator(configuration: simulatorConfiguration)
        try await simulator.start()
        let path = Self.repository.appendingPathComponent("pipelines/\(name).yaml").path
        var overrides = PipelineOverrides(outputPath: directory.path + "/out.jsonl.gz", mockBaseURL: simulator.baseURL)
        // Without the cache: the samples repeat some texts, and a repeat answered from the
        // cache would make the served tokens fall short of the estimate's exact count.
        overrides.noCache = true
        overrides.stateDirectory = directory.path + "/state"
        let configuration = try PipelineLoader.load(
            path: path, overrides: overrides, environment: ["XDG_CACHE_HOME": directory.path],
            apiKey: .required)
        let estimate = try JobEstimator(configuration: configuration, catalog: try ModelCatalog.builtIn()).estimate()
        let transport = AsyncHTTPClientTransport(maximumConnections: configuration.limits.concurrencyCeiling)
        let report = try await JobRunner(configuration: configuration, transport: transport, progress: ProgressReporter(mode: .quiet)).run()
        await transport.shutdown()
        let served = simulator.statistics()
        let requests = simulator.receivedRequests()
        try await simulator.stop()
        let bytes = try GzipMemberWriter.decompressAll(path: configuration.output.path)
        let records = try bytes.split(separator: UInt8(ascii: "\n")).map { line -> JSONObject in
            guard case .object(let object) = try Array(line).withUnsafeBytes({ try JSONParser.parse($0) }) else { return JSONObject() }
            return object
        }
        let summaryBytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: configuration.output.summaryPath)))
        guard case .object(let summary) = try summaryBytes.withUnsafeBytes({ try JSONParser.parse($0) }) else {
            throw CostCheckError.summaryNotAnObject
        }
        let exportPath = directory.path + "/export.csv"
        _ = try ResultsExporter(configuration: configuration, options: .init(format: .csv, destination: exportPath)).export()
        let exported = try ExportFixture.pythonRows(exportPath)
        return SampleRun(
            estimate: estimate, report: report, served: served, records: records, summary: summary, requests: requests,
            exported: exported)
    }

    enum CostCheckError: Error { case summaryNotAnObject }

    /// Exact picodollars of a JSON number written by promptmill (`0.0000635`).
    static func picodollars(_ value: JSONValue?) -> Int64? {
        guard case .number(let text)? = value else { return nil }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard let whole = Int64(parts[0]) else { return nil }
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        guard fraction.count <= 12 else { return nil }
        fraction += String(repeating: "0", count: 12 - fraction.count)
        return whole * 1_000_000_000_000 + (Int64(fraction) ?? 0)
    }

    /// Cost accounting on a sample, per issue 6: the summary's tokens are the server's
    /// sums, its cost is those tokens at the table's prices (to 1e-9 USD), the records'
    /// costs add up to it exactly, and the estimate's cost range holds it.
    func checkCost(_ name: String) async throws {
        let (estimate, report, served, records, summary) = try await runWithSummary(name)
        #expect(report.complete)
        let model = estimate.model
        let info = try #require(try ModelCatalog.builtIn().info(for: model))
        let input = try #require(info.inputPrice), output = try #require(info.outputPrice)
        // (Moderations report no usage: the simulator counts none and the summary has none.)
        #expect(summary["prompt_tokens"] == .number(String(served.promptTokens)))
        #expect(summary["completion_tokens"] == .number(String(served.completionTokens)))
        let cost = try #require(Self.picodollars(summary["cost_usd"]))
        let dollars = Double(served.promptTokens) * input.dollars + Double(served.completionTokens) * output.dollars
        #expect(abs(Double(cost) / 1e12 - dollars) < 1e-9, "summary cost \(cost) pUSD vs \(dollars) USD")
        let rowSum = records.reduce(Int64(0)) { $0 + (Self.picodollars($1["cost_usd"]) ?? -1_000_000_000_000) }
        #expect(rowSum == cost)
        #expect(records.allSatisfy { Self.picodollars($0["cost_usd"]) != nil })
        let low = try #require(estimate.costMin), high = try #require(estimate.costMax)
        #expect(low.picodollars <= cost && cost <= high.picodollars, "\(low) ≤ \(cost) pUSD ≤ \(high)")
        guard case .object(let byModel)? = summary["by_model"], case .object(let figures)? = byModel[model] else {
            Issue.record("summary has no by_model entry for \(model)")
            return
        }
        #expect(figures["cost_usd"] == summary["cost_usd"])
        #expect(figures["prompt_tokens"] == summary["prompt_tokens"])
    }

    @Test func reviewSentimentCostsAddUp() async throws {
        try await checkCost("review-sentiment")
    }

    @Test func articleSummariesCostsAddUp() async throws {
        try await checkCost("article-summaries")
    }

    @Test(arguments: ["review-chat", "review-embeddings", "review-moderation"])
    func endpointSampleCostsAddUp(_ name: String) async throws {
        try await checkCost(name)
    }

    /// The three-step sample (moderate → summarise → classify): every review has one record
    /// with each step's result; flagged reviews skip the later steps; each answer is the
    /// simulator's for the text that step was given; the summary's tokens are the server's
    /// sums and its cost is each model's tokens at the table's prices; the records add up to
    /// it; the estimate's range holds it.
    @Test func threeStepSampleRunsEndToEnd() async throws {
        let (estimate, report, served, records, summary) = try await runWithSummary("review-screen-summarise-classify")
        #expect(report.exitCode == 0)
        #expect(records.count == 2400)
        #expect(Set(records.compactMap { $0.string("id") }).count == 2400)
        let texts = try Self.reviewTexts()
        let words = SimulatedRequest.moderationCategories.flatMap(\.words)
        var flagged = 0
        for record in records {
            guard let id = record.string("id"), let text = texts[id], case .object(let steps)? = record["steps"],
                case .object(let moderate)? = steps["moderate"], case .object(let summarise)? = steps["summarise"],
                case .object(let classify)? = steps["classify"], case .object(let result)? = moderate["output"],
                case .bool(let isFlagged)? = result["flagged"]
            else {
                Issue.record("record without its three steps: \(record)")
                continue
            }
            #expect(isFlagged == words.contains { text.lowercased().contains($0) }, "review \(id)")
            if isFlagged {
                flagged += 1
                #expect(summarise["skipped"] == .bool(true) && classify["skipped"] == .bool(true), "review \(id)")
                continue
            }
            guard case .string(let summaryText)? = summarise["output"], case .string(let label)? = classify["output"] else {
                Issue.record("review \(id): no summary or label")
                continue
            }
            guard case .object(let input)? = record["input"], case .string(let product)? = input["product"] else {
                Issue.record("review \(id): no product copied")
                continue
            }
            // The simulator answers a summarising prompt with its first sentence.
            #expect(
                summaryText
                    == AnswerRules.text(for: "Summarise this review of a \(product): \(text)", choice: 0)
                    .trimmingCharacters(in: .whitespaces), "review \(id)")
            #expect(label == AnswerRules.sentiment(of: summaryText), "review \(id)")
            #expect(record["output"] == classify["output"])
        }
        #expect(flagged > 0 && flagged < 2400)
        #expect(summary["prompt_tokens"] == .number(String(served.promptTokens)))
        #expect(summary["completion_tokens"] == .number(String(served.completionTokens)))
        let cost = try #require(Self.picodollars(summary["cost_usd"]))
        let catalog = try ModelCatalog.builtIn()
        guard case .object(let byModel)? = summary["by_model"] else {
            Issue.record("no by_model")
            return
        }
        var dollars = 0.0
        for (model, value) in zip(byModel.keys, byModel.values) {
            guard case .object(let figures) = value, case .number(let prompt)? = figures["prompt_tokens"],
                case .number(let completion)? = figures["completion_tokens"], let info = catalog.info(for: model)
            else { continue }
            dollars += Double(prompt)! * info.inputPrice!.dollars + Double(completion)! * info.outputPrice!.dollars
        }
        #expect(byModel.count == 3)
        #expect(abs(Double(cost) / 1e12 - dollars) < 1e-9)
        #expect(records.reduce(Int64(0)) { $0 + (Self.picodollars($1["cost_usd"]) ?? 0) } == cost)
        let low = try #require(estimate.costMin), high = try #require(estimate.costMax)
        #expect(low.picodollars <= cost && cost <= high.picodollars, "\(low) ≤ \(cost) pUSD ≤ \(high)")
        #expect(estimate.steps.map(\.name) == ["moderate", "summarise", "classify"])
    }

    /// The chat sample: one request per review, each answer the simulator's label for that
    /// review as JSON, and the estimate's exact prompt tokens (OpenAI's chat rule) equal
    /// what the server counted.
    @Test func reviewChatRunsEndToEnd() async throws {
        let (estimate, report, served, records) = try await run("review-chat")
        #expect(report.exitCode == 0)
        #expect(records.count == 2400)
        #expect(report.statistics.requests == 2400)
        #expect(estimate.promptTokens == served.promptTokens)
        let texts = try Self.reviewTexts()
        for record in records {
            guard case .string(let id)? = record["id"], case .string(let output)? = record["output"], let text = texts[id] else {
                Issue.record("record without id or output")
                continue
            }
            #expect(output == "{\"answer\":\"\(AnswerRules.sentiment(of: text))\"}", "review \(id)")
        }
    }

    /// The embeddings sample: 2,400 inputs in 2 requests, each output the simulator's
    /// 256-number vector for that review, decoded from base64.
    @Test func reviewEmbeddingsRunEndToEnd() async throws {
        let (_, report, _, records) = try await run("review-embeddings")
        #expect(report.exitCode == 0)
        #expect(records.count == 2400)
        #expect(report.statistics.requests == 2)
        let texts = try Self.reviewTexts()
        for record in records.prefix(50) {
            guard case .string(let id)? = record["id"], case .array(let numbers)? = record["output"], let text = texts[id] else {
                Issue.record("record without id or vector")
                continue
            }
            let expected = SimulatedRequest.vector(for: text, dimensions: 256)
            let got = numbers.compactMap { value -> Float? in if case .number(let digits) = value { Float(digits) } else { nil } }
            #expect(got == expected, "review \(id)")
        }
    }

    /// The moderation sample: 32 inputs per request, each output the result object, and
    /// the flagged reviews exactly those the simulator's word list flags.
    @Test func reviewModerationRunsEndToEnd() async throws {
        let (_, report, _, records) = try await run("review-moderation")
        #expect(report.exitCode == 0)
        #expect(records.count == 2400)
        #expect(report.statistics.requests == 75)
        let texts = try Self.reviewTexts()
        var flagged = 0
        for record in records {
            guard case .string(let id)? = record["id"], case .object(let result)? = record["output"], let text = texts[id],
                case .bool(let isFlagged)? = result["flagged"]
            else {
                Issue.record("record without a moderation result")
                continue
            }
            let words = SimulatedRequest.moderationCategories.flatMap(\.words)
            #expect(isFlagged == words.contains { text.lowercased().contains($0) }, "review \(id)")
            if isFlagged { flagged += 1 }
        }
        #expect(flagged > 0)
    }

    /// Every request body the samples send holds only parameters OpenAI's API reference
    /// defines for its endpoint, each with OpenAI's type. The lists are written here from
    /// the reference, apart from the ones promptmill checks pipelines against.
    @Test(arguments: [
        "review-sentiment", "article-summaries", "review-chat", "review-embeddings", "review-moderation",
        "review-screen-summarise-classify",
    ])
    func requestBodiesFollowOpenAIsReference(_ name: String) async throws {
        _ = try await run(name)
        let requests = lastRequests.get()
        #expect(!requests.isEmpty)
        for request in requests {
            guard case .object(let body) = try request.body.withUnsafeBytes({ try JSONParser.parse($0) }) else {
                Issue.record("a body that is not an object")
                continue
            }
            let endpoint = request.path.components(separatedBy: "/v1/").last ?? request.path
            for (key, value) in zip(body.keys, body.values) {
                guard let type = Self.reference[endpoint]?[key] else {
                    Issue.record("\(name): '\(key)' is not a parameter of \(endpoint)")
                    continue
                }
                #expect(type(value), "\(name): \(key) = \(value)")
            }
        }
    }

    static func reviewTexts() throws -> [String: String] {
        let reader = try RowReader(path: repository.appendingPathComponent("samples/reviews.csv").path, format: .csv, displayName: "reviews.csv")
        var texts: [String: String] = [:]
        while case .row(let row)? = try reader.next() {
            if case .string(let id)? = row.fields["review_id"], case .string(let text)? = row.fields["text"] { texts[id] = text }
        }
        return texts
    }

    typealias TypeCheck = @Sendable (JSONValue) -> Bool
    static let string: TypeCheck = { if case .string = $0 { true } else { false } }
    static let integer: TypeCheck = { if case .number(let text) = $0 { Int(text) != nil } else { false } }
    static let number: TypeCheck = { if case .number = $0 { true } else { false } }
    static let strings: TypeCheck = { if case .array(let items) = $0 { !items.isEmpty && items.allSatisfy(string) } else { false } }
    static let stringOrStrings: TypeCheck = { string($0) || strings($0) }
    static let messages: TypeCheck = { value in
        guard case .array(let items) = value, !items.isEmpty else { return false }
        return items.allSatisfy { item in
            guard case .object(let message) = item, case .string(let role)? = message["role"],
                ["system", "developer", "user", "assistant"].contains(role), case .string? = message["content"]
            else { return false }
            return message.keys.allSatisfy { ["role", "content", "name"].contains($0) }
        }
    }
    static let responseFormat: TypeCheck = { value in
        guard case .object(let format) = value, case .string(let type)? = format["type"] else { return false }
        return ["text", "json_object", "json_schema"].contains(type)
    }

    /// From OpenAI's API reference: the parameters of each endpoint the samples use, and their types.
    static let reference: [String: [String: TypeCheck]] = [
        "completions": [
            "model": string, "prompt": stringOrStrings, "max_tokens": integer, "temperature": number, "stop": stringOrStrings,
            "n": integer, "best_of": integer, "top_p": number, "seed": integer, "user": string,
            "echo": { if case .bool = $0 { true } else { false } },
            "frequency_penalty": number, "presence_penalty": number, "logprobs": integer, "suffix": string,
        ],
        "chat/completions": [
            "model": string, "messages": messages, "max_completion_tokens": integer, "max_tokens": integer,
            "temperature": number, "seed": integer, "response_format": responseFormat, "stop": stringOrStrings,
            "n": integer, "top_p": number, "user": string, "frequency_penalty": number, "presence_penalty": number,
            "logprobs": { if case .bool = $0 { true } else { false } }, "top_logprobs": integer,
            // A step's first request streams (`HeadProbe`).
            "stream": { if case .bool = $0 { true } else { false } },
            "stream_options": {
                guard case .object(let options) = $0 else { return false }
                return options.keys.allSatisfy { ["include_usage", "include_obfuscation"].contains($0) }
                    && options.values.allSatisfy { if case .bool = $0 { true } else { false } }
            },
        ],
        "embeddings": [
            "model": string, "input": stringOrStrings, "dimensions": integer, "user": string,
            "encoding_format": { $0 == .string("float") || $0 == .string("base64") },
        ],
        "moderations": ["model": string, "input": stringOrStrings],
    ]

    /// The review sample: one record per review, each labelled as the simulator labels it,
    /// and the estimate's exact prompt tokens equal what the server reported.
    @Test func reviewSentimentRunsEndToEnd() async throws {
        let (estimate, report, served, records) = try await run("review-sentiment")
        #expect(report.exitCode == 0)
        #expect(report.complete)
        #expect(records.count == 2400)
        #expect(Set(records.compactMap { if case .string(let id)? = $0["id"] { id } else { nil } }).count == 2400)
        let labels = Set(records.compactMap { if case .string(let label)? = $0["output"] { label } else { nil } })
        #expect(labels == ["positive", "negative", "neutral"])
        // Every label is the one the simulator's rule gives that review's own text.
        let reader = try RowReader(path: Self.repository.appendingPathComponent("samples/reviews.csv").path, format: .csv, displayName: "reviews.csv")
        var texts: [String: String] = [:]
        while case .row(let row)? = try reader.next() {
            if case .string(let id)? = row.fields["review_id"], case .string(let text)? = row.fields["text"] { texts[id] = text }
        }
        for record in records {
            guard case .string(let id)? = record["id"], case .string(let label)? = record["output"], let text = texts[id] else {
                Issue.record("record without id, output or review")
                continue
            }
            #expect(label == AnswerRules.sentiment(of: text), "review \(id)")
        }
        #expect(estimate.promptTokens == served.promptTokens)
        #expect(estimate.requests == report.statistics.requests)
        #expect(report.statistics.usage.promptTokens == served.promptTokens)
        #expect(report.statistics.usage.completionTokens == served.completionTokens)
        #expect(served.completionTokens <= estimate.completionTokensMax)
    }

    /// The article sample: nested fields render, and the estimate again matches the server.
    @Test func articleSummariesRunEndToEnd() async throws {
        let (estimate, report, served, records) = try await run("article-summaries")
        #expect(report.exitCode == 0)
        #expect(records.count == 300)
        #expect(estimate.promptTokens == served.promptTokens)
        #expect(served.completionTokens <= estimate.completionTokensMax)
    }
}

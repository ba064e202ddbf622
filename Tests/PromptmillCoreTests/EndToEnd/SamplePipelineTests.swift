import Foundation
import Testing
import PromptmillCore
@testable import PromptmillSimulator
import PromptmillTesting

/// The sample pipelines, run as a new user runs them, against the simulator.
@Suite struct SamplePipelineTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    func run(_ name: String) async throws -> (estimate: JobEstimate, report: RunReport, served: SimulatorStatistics, records: [JSONObject]) {
        let (estimate, report, served, records, _) = try await runWithSummary(name)
        return (estimate, report, served, records)
    }

    func runWithSummary(_ name: String) async throws -> (estimate: JobEstimate, report: RunReport, served: SimulatorStatistics,
                                                        records: [JSONObject], summary: JSONObject) {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let simulator = Simulator(configuration: SimulatorConfiguration())
        try await simulator.start()
        let path = Self.repository.appendingPathComponent("pipelines/\(name).yaml").path
        var overrides = PipelineOverrides(outputPath: directory.path + "/out.jsonl.gz", mockBaseURL: simulator.baseURL)
        // Without the cache: the samples repeat some texts, and a repeat answered from the
        // cache would make the served tokens fall short of the estimate's exact count.
        overrides.noCache = true
        overrides.stateDirectory = directory.path + "/state"
        let configuration = try PipelineLoader.load(path: path, overrides: overrides, environment: ["XDG_CACHE_HOME": directory.path],
                                                    apiKey: .required)
        let estimate = try JobEstimator(configuration: configuration, catalog: try ModelCatalog.builtIn()).estimate()
        let transport = AsyncHTTPClientTransport(maximumConnections: configuration.limits.maxConcurrency)
        let report = try await JobRunner(configuration: configuration, transport: transport, progress: ProgressReporter(mode: .quiet)).run()
        await transport.shutdown()
        let served = simulator.statistics()
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
        return (estimate, report, served, records, summary)
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
        let model = try #require(estimate.model as String?)
        let info = try #require(try ModelCatalog.builtIn().info(for: model))
        let input = try #require(info.inputPrice), output = try #require(info.outputPrice)
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

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
        let configuration = try PipelineLoader.load(path: path, overrides: overrides, environment: [:], apiKey: .required)
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
        return (estimate, report, served, records)
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

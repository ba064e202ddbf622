import Testing
import PromptmillCore
import PromptmillTesting
import PromptmillTokenizer

@Suite struct JobEstimatorTests {
    static let pipeline = """
        name: estimate
        input: {path: rows.jsonl, id: id}
        endpoint: completions
        model: gpt-3.5-turbo-instruct
        prompt: "Label: {{text}}"
        params: {max_tokens: 5, n: 2}
        batch_size: 3
        limits: {requests_per_minute: 2, tokens_per_minute: 100}
        output: {path: out.jsonl.gz}
        """

    /// Prompt tokens are the exact sum of each rendered prompt's count; completions range
    /// up to max_tokens × n per prompt; requests follow batch_size; cost is priced by the table.
    @Test func countsAndPricesEveryRow() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let texts = ["good", "bad and ugly", "Ça va? 😀", "don't stop", "12345 tokens", "x"]
        try directory.write("rows.jsonl", texts.enumerated().map { "{\"id\":\"r\($0.offset)\",\"text\":\"\($0.element)\"}" }.joined(separator: "\n"))
        let path = try directory.write("pipeline.yaml", Self.pipeline)
        let configuration = try PipelineLoader.load(path: path, environment: ["XDG_CACHE_HOME": directory.path])
        let estimate = try JobEstimator(configuration: configuration, catalog: try ModelCatalog.builtIn()).estimate()
        let tokenizer = try Tokenizer.shared(.cl100k_base)
        let expected = texts.reduce(0) { $0 + tokenizer.count("Label: " + $1) }
        #expect(estimate.rows == 6)
        #expect(estimate.requests == 2)
        #expect(estimate.promptTokens == expected)
        #expect(estimate.completionTokensMax == 6 * 5 * 2)
        #expect(estimate.costMin == Money(picodollars: 1_500_000) * expected)
        #expect(estimate.costMax == Money(picodollars: 1_500_000) * expected + Money(picodollars: 2_000_000) * 60)
        #expect(estimate.overContext.isEmpty)
        // 2 requests fit the first minute's RPM; the tokens need (expected + 60 − 100) / 100 minutes.
        #expect(estimate.minSeconds == max(0, Double(expected + 60 - 100) / 100) * 60)
    }

    /// A row whose prompt plus max_tokens exceed the model's context window is listed by id.
    @Test func listsRowsOverTheContextWindow() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let long = String(repeating: "lorem ipsum ", count: 5000)
        try directory.write("rows.jsonl", "{\"id\":\"short\",\"text\":\"hi\"}\n{\"id\":\"long\",\"text\":\"\(long)\"}\n")
        let path = try directory.write("pipeline.yaml", Self.pipeline)
        let configuration = try PipelineLoader.load(path: path, environment: ["XDG_CACHE_HOME": directory.path])
        let estimate = try JobEstimator(configuration: configuration, catalog: try ModelCatalog.builtIn()).estimate()
        #expect(estimate.overContext == ["long"])
    }
}

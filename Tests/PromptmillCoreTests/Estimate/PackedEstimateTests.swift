import Testing
@testable import PromptmillCore
import PromptmillTesting
import PromptmillTokenizer

/// `estimate` of a packed pipeline: the requests and prompt tokens it sends packed, beside
/// what the same rows would send one a request, and the least time of each.
@Suite struct PackedEstimateTests {
    static let pipeline = """
        name: packed-estimate
        input: {path: rows.jsonl, id: id}
        endpoint: responses
        model: gpt-5-mini
        instructions: "Label the sentiment."
        prompt: "Review: {{text}}"
        pack: 4
        params: {max_output_tokens: 50}
        limits: {requests_per_minute: 2, tokens_per_minute: 1000000}
        output: {path: out.jsonl.gz}
        """

    /// Ten rows at pack: 4 are three requests, each counted whole as its packed body reads;
    /// unpacked they are ten requests of one row each, counted alone.
    @Test func showsRequestsAndTokensWithAndWithoutPacking() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let texts = (1...10).map { "review number \($0), " + String(repeating: "fine ", count: $0) }
        try directory.write("rows.jsonl", texts.enumerated().map { "{\"id\":\"r\($0.offset)\",\"text\":\"\($0.element)\"}" }.joined(separator: "\n"))
        let path = try directory.write("pipeline.yaml", Self.pipeline)
        let configuration = try PipelineLoader.load(path: path, environment: ["XDG_CACHE_HOME": directory.path])
        let estimate = try JobEstimator(configuration: configuration, catalog: try ModelCatalog.builtIn()).estimate()

        let tokenizer = try Tokenizer.shared(.o200k_base)
        func packed(_ rows: ArraySlice<String>) -> Int {
            let items = rows.enumerated().map { "{\"i\":\($0.offset),\"input\":\"Review: \($0.element)\"}" }.joined(separator: ",")
            return tokenizer.chatPromptTokens([
                ChatMessageTokens(role: "developer", content: "Label the sentiment.\n\n" + PackedRequest.instruction),
                ChatMessageTokens(role: "user", content: "{\"items\":[\(items)]}"),
            ])
        }
        let alone = texts.map {
            tokenizer.chatPromptTokens([
                ChatMessageTokens(role: "developer", content: "Label the sentiment."), ChatMessageTokens(role: "user", content: "Review: " + $0),
            ])
        }
        #expect(estimate.pack == 4)
        #expect(estimate.requests == 3)
        #expect(estimate.promptTokens == packed(texts[0..<4]) + packed(texts[4..<8]) + packed(texts[8..<10]))
        let unpacked = try #require(estimate.unpacked)
        #expect(unpacked.requests == 10)
        #expect(unpacked.promptTokens == alone.reduce(0, +))
        // Bound by 2 requests a minute, the first 2 at once: (3 − 2) / 2 and (10 − 2) / 2 minutes.
        #expect(estimate.minSeconds == 30)
        #expect(unpacked.minSeconds == 240)
        // Each row keeps its own output limit: the packed request asks for 4 × 50.
        #expect(estimate.completionTokensMax == 10 * 50)

        let json = JSONDocument.text(estimate)
        #expect(json.contains("\"pack\":4"))
        #expect(json.contains("\"requests_unpacked\":10"))
        #expect(json.contains("\"prompt_tokens_unpacked\":\(unpacked.promptTokens)"))
        #expect(json.contains("\"min_seconds\":30"))
        #expect(json.contains("\"min_seconds_unpacked\":240"))
    }

    /// The packed body the run sends and the count the estimate makes of it agree: the
    /// items and instructions counted are the ones `PackedRequest.body` writes.
    @Test func requestCountReadsThePackedBody() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("rows.jsonl", "{\"id\":\"a\",\"text\":\"say \\\"hi\\\"\"}\n{\"id\":\"b\",\"text\":\"line\\nbreak\"}\n")
        let path = try directory.write("pipeline.yaml", Self.pipeline)
        let configuration = try PipelineLoader.load(path: path, environment: ["XDG_CACHE_HOME": directory.path])
        var preparer = try RowPreparer(configuration: configuration)
        var rows: [PreparedRow] = []
        while case .row(let row)? = try preparer.next() { rows.append(row) }
        let body = PackedRequest.body(configuration, rows: rows)
        guard case .object(let object) = try body.withUnsafeBytes({ try JSONParser.parse($0) }),
            case .string(let instructions)? = object["instructions"], case .array(let input)? = object["input"],
            case .object(let message)? = input.first, case .string(let items)? = message["content"]
        else {
            Issue.record("the packed body has no instructions or input message")
            return
        }
        let tokenizer = try Tokenizer.shared(.o200k_base)
        let expected = tokenizer.chatPromptTokens([
            ChatMessageTokens(role: "developer", content: instructions), ChatMessageTokens(role: "user", content: items),
        ])
        #expect(PackedRequest.requestPromptTokens(rows, configuration: configuration, tokenizer: tokenizer) == expected)
    }
}

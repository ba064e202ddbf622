import Testing
import PromptmillCore
import PromptmillTesting
import PromptmillTokenizer

/// `estimate` for the Responses API: input counted by the chat framing rule, and the output
/// window a step without a limit reserves.
@Suite struct ResponsesEstimateTests {
    static let texts = ["good", "bad and ugly", "Ça va? 😀", "don't stop"]

    static func estimate(_ yaml: String) throws -> JobEstimate {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("rows.jsonl", texts.enumerated().map { "{\"id\":\"r\($0.offset)\",\"text\":\"\($0.element)\"}" }.joined(separator: "\n"))
        let path = try directory.write("pipeline.yaml", yaml)
        let configuration = try PipelineLoader.load(path: path, environment: ["XDG_CACHE_HOME": directory.path])
        return try JobEstimator(configuration: configuration, catalog: try ModelCatalog.builtIn()).estimate()
    }

    static func responses(params: String) -> String {
        """
        name: responses-estimate
        input: {path: rows.jsonl, id: id}
        endpoint: responses
        model: gpt-5-mini
        instructions: "Label the sentiment."
        prompt: "Review: {{text}}"
        params: \(params)
        output: {path: out.jsonl.gz}
        """
    }

    /// Responses input is the instructions as a first developer message and the prompt as
    /// one user message under the chat rule, and the estimate says it is a rule.
    @Test func countsResponsesInputByTheChatFramingRule() throws {
        let estimate = try Self.estimate(Self.responses(params: "{max_output_tokens: 300}"))
        let tokenizer = try Tokenizer.shared(.o200k_base)
        let expected = Self.texts.reduce(0) {
            $0
                + tokenizer.chatPromptTokens([
                    ChatMessageTokens(role: "developer", content: "Label the sentiment."), ChatMessageTokens(role: "user", content: "Review: " + $1),
                ])
        }
        #expect(estimate.promptTokens == expected)
        #expect(estimate.requests == 4)
        #expect(estimate.promptTokensBasis == .chatFramingRule)
        #expect(
            estimate.promptTokensBasis.explanation
                == "counted by the chat framing rule, instructions as a developer message and the input as user messages: a rule, not a measurement — OpenAI publishes none for responses; estimate --check N compares it with the API's count"
        )
        #expect(estimate.uncappedOutput.isEmpty)
        #expect(estimate.completionTokensMax == 4 * 300)
        let json = JSONDocument.text(estimate)
        #expect(json.contains("\"prompt_tokens_basis\":\"chat_framing_rule\""))
        #expect(json.contains("\"uncapped_output\":[]"))
        #expect(!json.contains("requests_unpacked"))
    }

    /// A reasoning model without max_output_tokens: the worst case reserves its whole output
    /// window for every row, and the estimate says so, with the cap to set.
    @Test func reasoningModelWithoutCapReservesTheWholeWindow() throws {
        let estimate = try Self.estimate(Self.responses(params: "{reasoning: {effort: low}}"))
        let window = try #require(try ModelCatalog.builtIn().info(for: "gpt-5-mini")?.maxOutputTokens)
        #expect(window == 128000)
        #expect(estimate.completionTokensMax == 4 * window)
        let uncapped = try #require(estimate.uncappedOutput.first)
        #expect(estimate.uncappedOutput.count == 1)
        #expect(uncapped.parameter == "max_output_tokens")
        #expect(uncapped.reservedTokens == 128000)
        #expect(uncapped.reasoningModel)
        #expect(
            uncapped.advice
                == "no max_output_tokens: the worst case reserves gpt-5-mini's whole output window, 128000 tokens, for every row, as a budget does; gpt-5-mini is a reasoning model and its reasoning tokens count as output, so an answer may use all of it — set params.max_output_tokens: N to bound it (N tokens a row)"
        )
        let json = JSONDocument.text(estimate)
        #expect(
            json.contains(
                "\"uncapped_output\":[{\"advice\":\"\(uncapped.advice)\",\"model\":\"gpt-5-mini\",\"parameter\":\"max_output_tokens\",\"reasoning_model\":true,\"reserved_tokens\":128000,\"step\":\"responses-estimate\"}]"
            ))
    }

    /// A chat model that does not reason, without max_completion_tokens: the same reservation,
    /// said without the reasoning clause.
    @Test func chatModelWithoutCapIsNamedToo() throws {
        let estimate = try Self.estimate(
            """
            name: chat-estimate
            input: {path: rows.jsonl, id: id}
            endpoint: chat
            model: gpt-4o
            messages:
              - {role: user, content: "Review: {{text}}"}
            output: {path: out.jsonl.gz}
            """)
        let uncapped = try #require(estimate.uncappedOutput.first)
        #expect(!uncapped.reasoningModel)
        #expect(estimate.promptTokensBasis == .chatRule)
        #expect(
            uncapped.advice
                == "no max_completion_tokens: the worst case reserves gpt-4o's whole output window, 16384 tokens, for every row, as a budget does — set params.max_completion_tokens: N to bound it (N tokens a row)"
        )
        #expect(estimate.completionTokensMax == 4 * 16384)
    }

    /// max_tokens bounds a chat answer too: no warning then.
    @Test func chatWithMaxTokensIsCapped() throws {
        let estimate = try Self.estimate(
            """
            name: chat-estimate
            input: {path: rows.jsonl, id: id}
            endpoint: chat
            model: gpt-4o
            messages:
              - {role: user, content: "Review: {{text}}"}
            params: {max_tokens: 20}
            output: {path: out.jsonl.gz}
            """)
        #expect(estimate.uncappedOutput.isEmpty)
        #expect(estimate.completionTokensMax == 4 * 20)
    }
}

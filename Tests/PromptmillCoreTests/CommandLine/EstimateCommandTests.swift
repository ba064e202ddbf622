import Foundation
import Testing
import PromptmillCore
import PromptmillTesting
import PromptmillTokenizer

/// `promptmill estimate` as a user runs it: responses counted by a rule it names, packing
/// shown both ways, and `--check N` against the built-in simulator.
@Suite struct EstimateCommandTests {
    static let texts = ["good value", "bad and ugly", "Ça va? 😀", "don't stop", "fine", "meh"]

    static func directory(_ yaml: String) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write("rows.jsonl", texts.enumerated().map { "{\"id\":\"r\($0.offset)\",\"text\":\"\($0.element)\"}" }.joined(separator: "\n"))
        try directory.write("p.yaml", yaml)
        return directory
    }

    static let responses = """
        name: cli-estimate
        input: {path: rows.jsonl, id: id}
        endpoint: responses
        model: gpt-5-mini
        instructions: "Label the sentiment."
        prompt: "Review: {{text}}"
        params: {max_output_tokens: 30}
        output: {path: out.jsonl.gz}
        """

    /// --check 3 --mock: three rows spread evenly, each offline count beside the simulator's,
    /// and the summary line; no key needed.
    @Test func checkAgainstTheSimulatorPrintsEachRow() throws {
        let directory = try Self.directory(Self.responses)
        defer { directory.remove() }
        let outcome = try CommandLineTests.run(["estimate", "p.yaml", "--check", "3", "--mock"], directory: directory.path)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let tokenizer = try Tokenizer.shared(.o200k_base)
        let counts = Self.texts.map {
            tokenizer.chatPromptTokens([
                ChatMessageTokens(role: "developer", content: "Label the sentiment."), ChatMessageTokens(role: "user", content: "Review: " + $0),
            ])
        }
        #expect(
            outcome.stdout.contains(
                "  prompt tokens      \(counts.reduce(0, +))  (counted by the chat framing rule, instructions as a developer message and the input as user messages: a rule, not a measurement — OpenAI publishes none for responses; estimate --check N compares it with the API's count)\n"
            ))
        let check = try #require(outcome.stdout.components(separatedBy: "\n\n").last)
        let port = /127\.0\.0\.1:[0-9]+/
        #expect(
            check.replacing(port, with: "127.0.0.1:PORT") == """
                check of POST http://127.0.0.1:PORT/v1/responses/input_tokens: 3 rows spread evenly over 6; each row its own request
                  row  offline  API      difference
                  r0   \(counts[0])       \(counts[0])       0
                  r2   \(counts[2])       \(counts[2])       0
                  r4   \(counts[4])       \(counts[4])       0
                  3 of 3 rows equal; largest difference 0 tokens

                """)
        let json = try CommandLineTests.run(["estimate", "p.yaml", "--check", "2", "--mock", "--json"], directory: directory.path)
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout.contains("\"prompt_tokens_basis\":\"chat_framing_rule\""))
        #expect(json.stdout.contains("\"requests_equal\":2"))
        #expect(json.stdout.contains("\"sampling\":\"spread_evenly\""))
        #expect(json.stdout.contains("\"samples\":[{\"api_tokens\":\(counts[0]),\"difference\":0,\"ids\":[\"r0\"],\"offline_tokens\":\(counts[0])}"))
    }

    /// pack: 4 with rate limits: requests, prompt tokens and least time packed and unpacked.
    @Test func packedEstimateShowsBothWays() throws {
        let yaml = Self.responses.replacingOccurrences(
            of: "params:", with: "pack: 4\nlimits: {requests_per_minute: 1, tokens_per_minute: 1000000}\nparams:")
        let directory = try Self.directory(yaml)
        defer { directory.remove() }
        let configuration = try PipelineLoader.load(path: directory.path + "/p.yaml", environment: ["XDG_CACHE_HOME": directory.path])
        let estimate = try JobEstimator(configuration: configuration, catalog: try ModelCatalog.builtIn()).estimate()
        let unpacked = try #require(estimate.unpacked)
        let outcome = try CommandLineTests.run(["estimate", "p.yaml"], directory: directory.path)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("  requests           2  (up to 4 rows each, packed)\n"))
        #expect(
            outcome.stdout.contains("  unpacked           6 requests, \(unpacked.promptTokens) prompt tokens  (the same rows sent one a request)\n"))
        // One request a minute, the first at once: 1 minute packed, 5 unpacked.
        #expect(outcome.stdout.contains("  least time         1 min 0 s  (under the pipeline's rate limits); unpacked 5 min 0 s\n"))
        #expect(!outcome.stdout.contains("output limit"))
    }

    /// Without max_output_tokens a reasoning model's whole window is reserved, and said so.
    @Test func uncappedReasoningModelIsNamed() throws {
        let directory = try Self.directory(Self.responses.replacingOccurrences(of: "params: {max_output_tokens: 30}\n", with: ""))
        defer { directory.remove() }
        let outcome = try CommandLineTests.run(["estimate", "p.yaml"], directory: directory.path)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("  completion tokens  0 to 768000\n"))
        #expect(
            outcome.stdout.contains(
                "  output limit       no max_output_tokens: the worst case reserves gpt-5-mini's whole output window, 128000 tokens, for every row, as a budget does; gpt-5-mini is a reasoning model and its reasoning tokens count as output, so an answer may use all of it — set params.max_output_tokens: N to bound it (N tokens a row)\n"
            ))
    }

    /// --check is refused for chat (no free counting endpoint), without a key (unless --mock),
    /// and --mock without --check is a usage error.
    @Test func checkRefusals() throws {
        let chat = try Self.directory(
            """
            name: cli-estimate
            input: {path: rows.jsonl, id: id}
            endpoint: chat
            model: gpt-4o
            messages:
              - {role: user, content: "Review: {{text}}"}
            output: {path: out.jsonl.gz}
            """)
        defer { chat.remove() }
        let refused = try CommandLineTests.run(["estimate", "p.yaml", "--check", "5"], directory: chat.path)
        #expect(refused.status == 2)
        #expect(
            refused.stderr
                == "error: --check is for endpoint responses only: OpenAI counts input tokens free of charge (POST /v1/responses/input_tokens) only for the Responses API, and the pipeline's endpoint is chat — run estimate without --check\n"
        )
        let responses = try Self.directory(Self.responses)
        defer { responses.remove() }
        let keyless = try CommandLineTests.run(["estimate", "p.yaml", "--check", "5"], directory: responses.path)
        #expect(keyless.status == 2)
        #expect(
            keyless.stderr
                == "error: p.yaml: OPENAI_API_KEY is not set — export your API key in the environment, or add --mock to run against the built-in simulator\n"
        )
        let mockAlone = try CommandLineTests.run(["estimate", "p.yaml", "--mock"], directory: responses.path)
        #expect(mockAlone.status == 64)
        #expect(mockAlone.stderr.hasPrefix("Error: --mock goes with --check: estimate alone sends nothing\n"))
    }
}

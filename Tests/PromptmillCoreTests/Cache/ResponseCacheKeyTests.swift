import Testing
import PromptmillCore
import PromptmillTesting

/// What decides a cached answer, and what does not.
@Suite struct ResponseCacheKeyTests {
    static let base = """
        name: cache
        input: {path: rows.jsonl}
        endpoint: completions
        model: gpt-3.5-turbo-instruct
        prompt: "Label: {{text}}"
        params: {temperature: 0, max_tokens: 3, stop: ["\\n"], n: 1, logit_bias: {"50256": -100}, seed: 7, user: "u-1"}
        batch_size: 20
        output: {path: out.jsonl.gz}
        """

    let directory: TemporaryDirectory
    let row = PreparedRow(number: 1, line: 1, id: "r1", prompt: "Label: great kettle", input: JSONObject())

    init() throws {
        directory = try TemporaryDirectory()
        try directory.write("rows.jsonl", "{\"text\":\"x\"}\n")
    }

    func key(_ yaml: String, environment: [String: String] = ["OPENAI_API_KEY": "sk-one"], baseURL: String? = nil) throws -> ResponseCacheKey {
        let path = try directory.write("p.yaml", yaml)
        let configuration = try PipelineLoader.load(
            path: path, overrides: PipelineOverrides(baseURL: baseURL), environment: environment, apiKey: .required)
        return ResponseCacheKey(configuration: configuration, row: row)
    }

    /// Changing temperature, max_tokens, stop, n, logit_bias, seed or the model changes the key.
    @Test(arguments: [
        ("temperature: 0", "temperature: 0.7"), ("max_tokens: 3", "max_tokens: 4"), ("stop: [\"\\n\"]", "stop: [\".\"]"),
        ("n: 1", "n: 2"), ("\"50256\": -100", "\"50256\": 100"), ("seed: 7", "seed: 8"),
        ("model: gpt-3.5-turbo-instruct", "model: davinci-002"),
    ])
    func outputChangingSettingsChangeTheKey(_ change: (String, String)) throws {
        let changed = Self.base.replacingOccurrences(of: change.0, with: change.1)
        #expect(changed != Self.base)
        #expect(try key(changed) != key(Self.base))
    }

    /// The row's rendered prompt is part of the key.
    @Test func promptChangesTheKey() throws {
        let path = try directory.write("p.yaml", Self.base)
        let configuration = try PipelineLoader.load(path: path, environment: ["OPENAI_API_KEY": "sk"], apiKey: .required)
        var other = row
        other.prompt = "Label: great kettles"
        #expect(ResponseCacheKey(configuration: configuration, row: row) != ResponseCacheKey(configuration: configuration, row: other))
    }

    /// The API key, organisation, project, base URL, end-user id, batch size and the
    /// spelling of equal numbers do not change the key.
    @Test func whoAndWhereDoNotChangeTheKey() throws {
        let reference = try key(Self.base)
        #expect(try key(Self.base, environment: ["OPENAI_API_KEY": "sk-two", "OPENAI_ORG_ID": "org-x", "OPENAI_PROJECT_ID": "proj-y"]) == reference)
        #expect(try key(Self.base, baseURL: "http://localhost:9999/v1") == reference)
        #expect(try key(Self.base.replacingOccurrences(of: "user: \"u-1\"", with: "user: \"u-2\"")) == reference)
        #expect(try key(Self.base.replacingOccurrences(of: "batch_size: 20", with: "batch_size: 7")) == reference)
        #expect(try key(Self.base.replacingOccurrences(of: "temperature: 0", with: "temperature: 0.0")) == reference)
        #expect(
            try key(Self.base.replacingOccurrences(of: "params: {temperature: 0, max_tokens: 3,", with: "params: {max_tokens: 3, temperature: 0,"))
                == reference)
        #expect(reference.description.count == 64)
    }
}

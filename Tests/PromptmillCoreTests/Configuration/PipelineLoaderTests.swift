import Testing
import PromptmillCore
import PromptmillTesting

/// Pipeline files with one mistake each, and the exact words `validate` prints for them.
@Suite struct PipelineLoaderTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
        try directory.write("rows.jsonl", "{\"text\":\"hello\"}\n")
    }

    static let valid = """
        name: test
        input:
          path: rows.jsonl
        endpoint: completions
        model: gpt-3.5-turbo-instruct
        prompt: "Say {{text}}"
        output:
          path: out/test.jsonl.gz
        """

    /// Loads `yaml` and returns the problems' texts, or [] when it loads.
    func problems(_ yaml: String) throws -> [String] {
        let path = try directory.write("pipeline.yaml", yaml)
        do {
            _ = try PipelineLoader.load(path: path, environment: [:])
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    var file: String { directory.path + "/pipeline.yaml" }

    /// A complete pipeline loads, with defaults filled in and paths relative to the file.
    @Test func validPipelineResolvesDefaults() throws {
        let path = try directory.write("pipeline.yaml", Self.valid)
        let configuration = try PipelineLoader.load(path: path, environment: [:])
        #expect(configuration.batchSize == 20)
        #expect(configuration.limits.maxConcurrency == nil)
        #expect(configuration.limits.maxWait == .seconds(900))
        #expect(configuration.limits.maxRetries == 8)
        #expect(configuration.limits.timeout == .seconds(60))
        #expect(configuration.input.onBadRow == .fail)
        #expect(configuration.input.path == directory.path + "/rows.jsonl")
        #expect(configuration.output.path == directory.path + "/out/test.jsonl.gz")
        #expect(configuration.output.summaryPath == directory.path + "/out/test.jsonl.gz.summary.json")
        #expect(configuration.output.rejectsPath == directory.path + "/out/test.rejects.jsonl")
        #expect(configuration.api.baseURL == "https://api.openai.com/v1")
    }

    /// An unknown key names itself and its line, and suggests the nearest known key.
    @Test func unknownKeySuggestsNearest() throws {
        #expect(try problems(Self.valid + "\nbach_size: 5") == ["\(file):9: unknown key 'bach_size' — did you mean 'batch_size'?"])
    }

    /// An unknown key inside a section is named by its key path.
    @Test func unknownNestedKeyNamesPath() throws {
        let yaml = Self.valid.replacingOccurrences(of: "  path: rows.jsonl", with: "  path: rows.jsonl\n  on_bad_rows: skip")
        #expect(try problems(yaml) == ["\(file):4: unknown key 'input.on_bad_rows' — did you mean 'input.on_bad_row'?"])
    }

    /// A value of the wrong type says what was expected and what was found.
    @Test func wrongTypeNamesExpectation() throws {
        #expect(try problems(Self.valid + "\nbatch_size: twenty") == ["\(file):9: batch_size must be a whole number, found 'twenty'"])
    }

    /// batch_size is bounded by what the endpoint accepts in one request.
    @Test func batchSizeAboveTwentyIsRefused() throws {
        #expect(
            try problems(Self.valid + "\nbatch_size: 21") == ["\(file):9: batch_size must be between 1 and 20 for endpoint completions, found 21"])
    }

    /// An unknown endpoint lists the known ones and suggests the nearest.
    @Test func unknownEndpointSuggestsNearest() throws {
        let yaml = Self.valid.replacingOccurrences(of: "endpoint: completions", with: "endpoint: completion")
        #expect(
            try problems(yaml) == [
                "\(file):4: endpoint must be one of completions, chat, embeddings, moderations, responses, found 'completion' — did you mean 'completions'?"
            ])
    }

    /// A missing input file is named with the path it was looked for at.
    @Test func missingInputFileIsNamed() throws {
        let yaml = Self.valid.replacingOccurrences(of: "path: rows.jsonl", with: "path: missing.csv")
        #expect(
            try problems(yaml) == [
                "\(file):3: input.path 'missing.csv' does not exist (looked for \(directory.path)/missing.csv) — paths are relative to the pipeline file"
            ])
    }

    /// YAML that does not parse is reported with its line.
    @Test func invalidYAMLHasLine() throws {
        let yaml = Self.valid.replacingOccurrences(of: "model: gpt-3.5-turbo-instruct", with: "model: [gpt-3.5")
        #expect(
            try problems(yaml) == [
                "\(file):6: invalid YAML: did not find expected ',' or ']' at column 7 (while parsing a flow sequence that starts on line 5)"
            ])
    }

    /// Missing required keys are each reported, with no line.
    @Test func missingRequiredKeysAreListed() throws {
        let yaml = Self.valid.replacingOccurrences(of: "model: gpt-3.5-turbo-instruct\n", with: "")
            .replacingOccurrences(of: "name: test\n", with: "")
        #expect(try problems(yaml) == ["\(file): missing required key 'name'", "\(file): missing required key 'model'"])
    }

    /// Every problem is reported in one pass, in line order.
    @Test func everyProblemIsReported() throws {
        let yaml =
            Self.valid.replacingOccurrences(of: "endpoint: completions", with: "endpoint: chats") + "\nlimits:\n  max_concurency: 4\n  timeout_s: -1"
        #expect(
            try problems(yaml) == [
                "\(file):4: endpoint must be one of completions, chat, embeddings, moderations, responses, found 'chats' — did you mean 'chat'?",
                "\(file):10: unknown key 'limits.max_concurency' — did you mean 'limits.max_concurrency'?",
                "\(file):11: limits.timeout_s must be more than 0, found -1.0",
            ])
    }

    /// A parameter the endpoint does not define is refused with the list it does accept.
    @Test func unknownParameterIsRefused() throws {
        #expect(
            try problems(Self.valid + "\nparams: {temprature: 0}") == [
                "\(file):9: params.temprature is not a parameter of the completions endpoint — did you mean 'temperature'? it accepts: best_of, echo, frequency_penalty, logit_bias, logprobs, max_tokens, n, presence_penalty, seed, stop, suffix, temperature, top_p, user"
            ])
    }

    /// `logprobs` is a count on completions and a switch on chat, as OpenAI defines them.
    @Test func logprobsFollowTheEndpoint() throws {
        let chat = Self.valid.replacingOccurrences(of: "endpoint: completions", with: "endpoint: chat")
            .replacingOccurrences(of: "model: gpt-3.5-turbo-instruct", with: "model: gpt-4o-mini")
            .replacingOccurrences(of: "prompt: \"Say {{text}}\"", with: "messages: [{role: user, content: \"Say {{text}}\"}]")
        #expect(try problems(chat + "\nparams: {logprobs: true, top_logprobs: 3}") == [])
        #expect(
            try problems(chat + "\nparams: {logprobs: 3, top_logprobs: 21}") == [
                "\(file):9: params.logprobs must be true or false on the chat endpoint (top_logprobs: 0 to 20 asks for alternatives)",
                "\(file):9: params.top_logprobs must be a whole number from 0 to 20",
            ])
        #expect(try problems(Self.valid + "\nparams: {logprobs: 3}") == [])
        #expect(try problems(Self.valid + "\nparams: {logprobs: true}") == ["\(file):9: params.logprobs must be a whole number from 0 to 20"])
    }

    /// An on_bad_row value outside fail|skip suggests the nearest.
    @Test func badRowPolicyIsChecked() throws {
        let yaml = Self.valid.replacingOccurrences(of: "  path: rows.jsonl", with: "  path: rows.jsonl\n  on_bad_row: skipp")
        #expect(try problems(yaml) == ["\(file):4: input.on_bad_row must be one of fail, skip, found 'skipp' — did you mean 'skip'?"])
    }

    /// A template that never closes its tag is reported at the prompt's line.
    @Test func unclosedTemplateTagIsReported() throws {
        let yaml = Self.valid.replacingOccurrences(of: "prompt: \"Say {{text}}\"", with: "prompt: \"Say {{text\"")
        #expect(try problems(yaml) == ["\(file):6: prompt: '{{' on template line 1 is never closed with '}}'"])
    }

    /// A model with no known encoding needs the pipeline to name its tokenizer.
    @Test func unknownModelNeedsTokenizer() throws {
        let yaml = Self.valid.replacingOccurrences(of: "model: gpt-3.5-turbo-instruct", with: "model: my-local-llama")
        #expect(
            try problems(yaml) == [
                "\(file):5: model 'my-local-llama' has no known tokenizer — add 'tokenizer: o200k_base' (or cl100k_base) to the pipeline to say which one it uses"
            ])
        #expect(try problems(yaml + "\ntokenizer: o200k_base") == [])
        #expect(
            try problems(yaml + "\ntokenizer: o200k") == [
                "\(file):9: tokenizer must be one of cl100k_base, o200k_base, found 'o200k' — did you mean 'o200k_base'?"
            ])
    }

    /// run needs OPENAI_API_KEY; the message says how to run without one.
    @Test func runWithoutKeyExplainsMock() throws {
        let path = try directory.write("pipeline.yaml", Self.valid)
        #expect(throws: PipelineProblems.self) { try PipelineLoader.load(path: path, environment: [:], apiKey: .required) }
        do {
            _ = try PipelineLoader.load(path: path, environment: [:], apiKey: .required)
        } catch {
            #expect(
                error.description
                    == "\(path): OPENAI_API_KEY is not set — export your API key in the environment, or add --mock to run against the built-in simulator"
            )
        }
    }

    /// Flags beat the file, and the environment supplies what the file does not say.
    @Test func flagsBeatFileAndEnvironment() throws {
        let path = try directory.write("pipeline.yaml", Self.valid + "\nbase_url: http://file.example/v1")
        let environment = [
            "OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": "http://env.example/v1", "OPENAI_ORG_ID": "org-1", "OPENAI_PROJECT_ID": "proj-1",
        ]
        let fromFile = try PipelineLoader.load(path: path, environment: environment, apiKey: .required)
        #expect(fromFile.api.baseURL == "http://file.example/v1")
        #expect(fromFile.api.organization == "org-1")
        #expect(fromFile.api.project == "proj-1")
        let fromFlag = try PipelineLoader.load(
            path: path, overrides: PipelineOverrides(baseURL: "http://flag.example/v1/"),
            environment: environment, apiKey: .required)
        #expect(fromFlag.api.baseURL == "http://flag.example/v1")
        #expect(!String(describing: fromFlag.api).contains("sk-test"))
    }

    /// `pricing:` and `budget:` are read, checked, and name the line of a mistake.
    @Test func pricingAndBudgetAreChecked() throws {
        let path = try directory.write(
            "pipeline.yaml",
            Self.valid + """

                pricing:
                  gpt-3.5-turbo-instruct: {input: 1.25, output: 2}
                budget: {max_usd: 10, warn_usd: 8}
                """)
        let configuration = try PipelineLoader.load(path: path, environment: [:])
        #expect(configuration.prices?.input == Money(picodollars: 1_250_000))
        #expect(configuration.prices?.output == Money(picodollars: 2_000_000))
        #expect(configuration.budget == PipelineConfiguration.Budget(maxUSD: Money(dollars: 10), warnUSD: Money(dollars: 8)))
        var overrides = PipelineOverrides()
        overrides.maxUSD = 2.5
        #expect(try PipelineLoader.load(path: path, overrides: overrides, environment: [:]).budget.maxUSD == Money(dollars: 2.5))

        #expect(
            try problems(Self.valid + "\npricing: {gpt-3.5-turbo-instruct: {input: -1, outptu: 2}}") == [
                "\(file):9: unknown key 'pricing.gpt-3.5-turbo-instruct.outptu' — did you mean 'pricing.gpt-3.5-turbo-instruct.output'?",
                "\(file):9: pricing.gpt-3.5-turbo-instruct.input must be a price of 0 or more in USD per 1M tokens, found -1.0",
            ])
        #expect(
            try problems(Self.valid + "\nbudget: {max_usd: 0}") == ["\(file):9: budget.max_usd must be an amount of US dollars above 0, found 0.0"])
        #expect(
            try problems(Self.valid + "\nbudget: {max_usd: 5, warn_usd: 6}") == [
                "\(file):9: budget.warn_usd ($6.000000) must be below the cap of $5.000000, or it can never warn"
            ])
        #expect(try problems(Self.valid + "\nbudget: {max_usd: ten}") == ["\(file):9: budget.max_usd must be a number, found 'ten'"])
    }
}

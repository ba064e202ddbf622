import PromptmillTesting
import Testing

@testable import PromptmillCore

@Suite struct JobFingerprintTests {
    /// A chat job run with --mock (no prompt_cache_key: not OpenAI's URL) and read by
    /// `status` (OpenAI's URL: the key added) is the same job; so is one whose params differ
    /// only in the service tier. A changed parameter that decides the answer is a change.
    @Test func onlyWhatDecidesAnswersChangesTheJob() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("rows.jsonl", "{\"text\": \"hi\"}\n")
        func load(_ params: String, mock: Bool) throws -> PipelineConfiguration {
            let path = try directory.write(
                "p.yaml",
                """
                name: fp
                input: {path: rows.jsonl}
                endpoint: chat
                model: gpt-5-mini
                messages: [{role: user, content: "{{text}}"}]
                params: \(params)
                output: {path: out.jsonl.gz}
                """)
            return try PipelineLoader.load(
                path: path, overrides: mock ? PipelineOverrides(mockBaseURL: "http://127.0.0.1:1/v1") : PipelineOverrides(),
                environment: ["OPENAI_API_KEY": "sk-test"], apiKey: .required)
        }
        let mocked = try load("{max_completion_tokens: 8}", mock: true)
        let openAI = try load("{max_completion_tokens: 8}", mock: false)
        #expect(mocked.params["prompt_cache_key"] == nil)
        #expect(openAI.params["prompt_cache_key"] != nil)
        #expect(JobFingerprint(mocked) == JobFingerprint(openAI))
        #expect(JobFingerprint(try load("{max_completion_tokens: 8, service_tier: flex}", mock: true)) == JobFingerprint(mocked))
        #expect(
            JobFingerprint(try load("{max_completion_tokens: 9}", mock: true)).changes(from: JobFingerprint(mocked)) == [
                "the model, template or params"
            ])
    }
}

import Testing
import PromptmillTokenizer

@Suite struct TokenEncodingTests {
    /// Model families map to their encodings; unknown models have none.
    @Test func modelsMapToEncodings() {
        for model in [
            "gpt-4o", "gpt-4o-mini-2024-07-18", "gpt-4.1-nano", "gpt-4.5-preview", "gpt-5", "gpt-5-mini", "o1", "o3-mini",
            "o4-mini-2025-04-16", "chatgpt-4o-latest", "ft:gpt-4o-mini:acme::abc",
        ] {
            #expect(TokenEncoding.forModel(model) == .o200k_base, "\(model)")
        }
        for model in [
            "gpt-4", "gpt-4-turbo", "gpt-3.5-turbo", "gpt-3.5-turbo-instruct", "text-embedding-3-small",
            "text-embedding-3-large", "text-embedding-ada-002", "davinci-002", "babbage-002",
        ] {
            #expect(TokenEncoding.forModel(model) == .cl100k_base, "\(model)")
        }
        for model in ["llama-3-70b", "claude-3", "o5x", "gpt-40"] {
            #expect(TokenEncoding.forModel(model) == nil, "\(model)")
        }
    }

    /// Chat prompts cost 3 per message plus role and content, 1 more for a name, and 3 to prime the reply.
    @Test func chatRuleCountsMessages() throws {
        let tokenizer = try Tokenizer.shared(.o200k_base)
        let messages = [
            ChatMessageTokens(role: "system", content: "You label reviews."),
            ChatMessageTokens(role: "user", content: "Great kettle!", name: "ana"),
        ]
        let expected =
            3 + (3 + tokenizer.count("system") + tokenizer.count("You label reviews."))
            + (3 + tokenizer.count("user") + tokenizer.count("Great kettle!") + tokenizer.count("ana") + 1)
        #expect(tokenizer.chatPromptTokens(messages) == expected)
    }
}

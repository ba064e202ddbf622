import Foundation
import PromptmillCore
import PromptmillSimulator
import PromptmillTokenizer
import Testing

/// `POST /v1/responses` and `/v1/responses/input_tokens` over real HTTP: OpenAI's shapes,
/// reasoning tokens, output caps, service tiers and the prompt cache.
@Suite struct ResponsesTests {
    static let tokenizer = { try! Tokenizer.shared(.o200k_base) }()

    /// A Response has OpenAI's shape; its input tokens are the chat rule over `instructions`
    /// as a developer message and the string input as a user message.
    @Test func responsesAnswerFollowsOpenAIShape() async throws {
        let client = try await SimulatorClient.started()
        let answer = try await client.post(
            "/responses", #"{"model":"gpt-4.1-mini","instructions":"Label the review.","input":"Review: I love it\nSentiment:","store":false}"#)
        await client.stop()
        #expect(answer.status == 200)
        #expect(answer.body.string("object") == "response")
        #expect(answer.body.string("id")?.hasPrefix("resp_") == true)
        #expect(answer.body.string("status") == "completed")
        #expect(answer.body["incomplete_details"] == .null && answer.body["error"] == .null)
        #expect(answer.body.string("service_tier") == "default")
        #expect(answer.body["store"] == .bool(false))
        let output = answer.body.array("output").compactMap(\.object)
        #expect(output.map { $0.string("type") } == ["message"])
        #expect(output.first?.string("id")?.hasPrefix("msg_") == true)
        #expect(output.first?.string("role") == "assistant" && output.first?.string("status") == "completed")
        let part = output.first?.array("content").first?.object
        #expect(part?.string("type") == "output_text" && part?["annotations"] == .array([]))
        #expect(answer.outputText == "positive")
        let input = Self.tokenizer.chatPromptTokens([
            ChatMessageTokens(role: "developer", content: "Label the review."),
            ChatMessageTokens(role: "user", content: "Review: I love it\nSentiment:"),
        ])
        #expect(answer.usage.int("input_tokens") == input)
        #expect(answer.usage.int("output_tokens") == Self.tokenizer.count("positive"))
        #expect(answer.usage.object("output_tokens_details").int("reasoning_tokens") == 0)
        #expect(answer.usage.object("input_tokens_details").int("cached_tokens") == 0)
        #expect(answer.usage.object("input_tokens_details").int("cache_write_tokens") == 0)
        #expect(answer.usage.int("total_tokens") == input + Self.tokenizer.count("positive"))
    }

    /// Input messages count as they are; text parts of one message are its content, and the
    /// last user message is what the answer answers.
    @Test func inputMessagesWithTextParts() async throws {
        let client = try await SimulatorClient.started()
        let answer = try await client.post(
            "/responses",
            #"{"model":"gpt-4.1-mini","input":[{"role":"developer","content":"Label."},{"role":"user","content":[{"type":"input_text","text":"Review: awful, "},{"type":"input_text","text":"it broke\nSentiment:"}]}]}"#
        )
        let badRole = try await client.post("/responses", #"{"model":"gpt-4.1-mini","input":[{"role":"robot","content":"x"}]}"#)
        let unknown = try await client.post("/responses", #"{"model":"gpt-4.1-mini","input":"x","max_tokens":20}"#)
        let tooSmall = try await client.post("/responses", #"{"model":"gpt-4.1-mini","input":"x","max_output_tokens":8}"#)
        await client.stop()
        #expect(answer.outputText == "negative")
        #expect(
            answer.usage.int("input_tokens")
                == Self.tokenizer.chatPromptTokens([
                    ChatMessageTokens(role: "developer", content: "Label."),
                    ChatMessageTokens(role: "user", content: "Review: awful, it broke\nSentiment:"),
                ]))
        #expect(badRole.status == 400)
        #expect(
            badRole.body.object("error").string("message")
                == "Invalid value: 'robot'. Supported values are: 'assistant', 'system', 'developer', and 'user'.")
        #expect(unknown.status == 400)
        #expect(unknown.body.object("error").string("message") == "Unrecognized request argument supplied: max_tokens")
        #expect(tooSmall.status == 400)
        #expect(tooSmall.body.object("error").string("code") == "integer_below_min_value")
    }

    /// A reasoning model answers with a reasoning item first; its reasoning tokens grow with
    /// the effort and are part of the output tokens. The tier asked for is the tier answered.
    @Test func reasoningTokensCountInsideOutputTokens() async throws {
        let client = try await SimulatorClient.started()
        var answers: [SimulatorTests.Answer] = []
        for effort in ["low", "high"] {
            answers.append(
                try await client.post(
                    "/responses",
                    #"{"model":"gpt-5-mini","input":"Review: great kettle\nSentiment:","reasoning":{"effort":"\#(effort)"},"service_tier":"flex"}"#))
        }
        await client.stop()
        for answer in answers {
            let output = answer.body.array("output").compactMap(\.object)
            #expect(output.map { $0.string("type") } == ["reasoning", "message"])
            #expect(output.first?.string("id")?.hasPrefix("rs_") == true && output.first?["summary"] == .array([]))
            let reasoning = answer.usage.object("output_tokens_details").int("reasoning_tokens") ?? 0
            #expect(reasoning > 0)
            #expect(answer.usage.int("output_tokens") == reasoning + Self.tokenizer.count(answer.outputText ?? ""))
            #expect(answer.body.string("service_tier") == "flex")
        }
        let low = answers[0].usage.object("output_tokens_details").int("reasoning_tokens") ?? 0
        let high = answers[1].usage.object("output_tokens_details").int("reasoning_tokens") ?? 0
        #expect(high > low)
    }

    /// `max_output_tokens` caps reasoning and text together: over it the answer is incomplete
    /// for `max_output_tokens`, its text cut (to nothing when reasoning took it all).
    /// Chat with a reasoning model thinks as responses does (`reasoning_effort`): its
    /// reasoning tokens are in `completion_tokens` and `completion_tokens_details`, within
    /// `max_completion_tokens`, which a long thought can use up before any text.
    @Test func chatReasoningTokensCountInsideCompletionTokens() async throws {
        let client = try await SimulatorClient.started()
        let messages = #""messages":[{"role":"user","content":"Review: great kettle\nSentiment:"}]"#
        let free = try await client.post("/chat/completions", #"{"model":"gpt-5-mini",\#(messages),"reasoning_effort":"low"}"#)
        let capped = try await client.post(
            "/chat/completions", #"{"model":"gpt-5-mini",\#(messages),"reasoning_effort":"high","max_completion_tokens":20}"#)
        let plain = try await client.post("/chat/completions", #"{"model":"gpt-4o-mini",\#(messages)}"#)
        await client.stop()
        let reasoning = free.usage.object("completion_tokens_details").int("reasoning_tokens") ?? 0
        #expect(reasoning > 0)
        guard case .object(let choice)? = free.body.array("choices").first, case .string(let content)? = choice.object("message")["content"]
        else {
            Issue.record("no message content")
            return
        }
        #expect(free.usage.int("completion_tokens") == reasoning + Self.tokenizer.count(" " + content))
        #expect(capped.usage.int("completion_tokens") == 20)
        #expect(capped.usage.object("completion_tokens_details").int("reasoning_tokens") == 20)
        #expect(capped.body.array("choices").first?.object?.string("finish_reason") == "length")
        #expect(plain.usage["completion_tokens_details"] == nil)
    }

    @Test func maxOutputTokensMakesTheAnswerIncomplete() async throws {
        let client = try await SimulatorClient.started()
        let reasoning = try await client.post(
            "/responses", #"{"model":"gpt-5-mini","input":"Review: great kettle\nSentiment:","reasoning":{"effort":"high"},"max_output_tokens":16}"#)
        let sentence = (1...60).map { "word\($0)" }.joined(separator: " ") + "."
        let plain = try await client.post(
            "/responses", "{\"model\":\"gpt-4.1-mini\",\"input\":\"Summarise this:\\n\(sentence)\",\"max_output_tokens\":16}")
        let whole = try await client.post("/responses", "{\"model\":\"gpt-4.1-mini\",\"input\":\"Summarise this:\\n\(sentence)\"}")
        await client.stop()
        #expect(reasoning.body.string("status") == "incomplete")
        #expect(reasoning.body.object("incomplete_details").string("reason") == "max_output_tokens")
        #expect(reasoning.usage.int("output_tokens") == 16)
        #expect(reasoning.usage.object("output_tokens_details").int("reasoning_tokens") == 16)
        #expect(reasoning.body.array("output").compactMap { $0.object?.string("type") } == ["reasoning"])

        #expect(plain.body.string("status") == "incomplete")
        #expect(plain.body.object("incomplete_details").string("reason") == "max_output_tokens")
        let cut = plain.outputText ?? ""
        #expect(!cut.isEmpty && (whole.outputText ?? "").hasPrefix(cut) && cut != whole.outputText)
        #expect(plain.usage.int("output_tokens") == Self.tokenizer.count(cut))
        #expect((plain.usage.int("output_tokens") ?? 99) <= 16)
        #expect(whole.body.string("status") == "completed")
    }

    /// `/responses/input_tokens` counts a create's body as the create's usage does, and is
    /// free: no rate limit, no usage in the statistics.
    @Test func inputTokensEqualTheCreatesUsage() async throws {
        let client = try await SimulatorClient.started { $0.requestsPerMinute = 1 }
        let body =
            #"{"model":"gpt-5-mini","instructions":"Label the review.","input":[{"role":"user","content":"Review: fine\nSentiment:"}],"text":{"format":{"type":"text"}},"reasoning":{"effort":"low"}}"#
        let counts = [try await client.post("/responses/input_tokens", body), try await client.post("/responses/input_tokens", body)]
        let create = try await client.post("/responses", body)
        let statistics = client.simulator.statistics()
        await client.stop()
        for count in counts {
            #expect(count.status == 200)
            #expect(count.body.string("object") == "response.input_tokens")
            #expect(count.body.int("input_tokens") == create.usage.int("input_tokens"))
        }
        #expect(create.status == 200)
        #expect(statistics.promptTokens == create.usage.int("input_tokens"))
        #expect(statistics.byModel["gpt-5-mini"]?.admitted == 1)
    }

    /// With prompt caching, the first request with a prefix writes its cacheable part (1,024
    /// tokens and up, in steps of 128) and later ones read it, routed by `prompt_cache_key`:
    /// a shared instructions prefix is read and the rest written. Writes are reported only
    /// for models with a cache-write price.
    @Test func promptCacheWritesThenReads() async throws {
        let client = try await SimulatorClient.started { $0.promptCaching = true }
        let instructions = (1...700).map { "rule \($0)" }.joined(separator: ", ")
        func body(_ model: String, _ input: String, key: String = "job") -> String {
            "{\"model\":\"\(model)\",\"prompt_cache_key\":\"\(key)\",\"instructions\":\"\(instructions)\",\"input\":\"\(input)\"}"
        }
        var answers: [SimulatorTests.Answer] = []
        for (model, input, key) in [
            ("gpt-5.6", "first row", "job"), ("gpt-5.6", "second row", "job"), ("gpt-5.6", "second row", "job"),
            ("gpt-5.6", "second row", "other"), ("gpt-5-mini", "first row", "job"), ("gpt-5-mini", "first row", "job"),
        ] {
            answers.append(try await client.post("/responses", body(model, input, key: key)))
        }
        await client.stop()
        let details = answers.map { $0.usage.object("input_tokens_details") }
        let cached = details.map { $0.int("cached_tokens") ?? -1 }
        let written = details.map { $0.int("cache_write_tokens") ?? -1 }
        let whole = answers.map { PromptCache.cacheableTokens($0.usage.int("input_tokens") ?? 0) }
        let prefix = PromptCache.cacheableTokens(Self.tokenizer.chatPromptTokens([ChatMessageTokens(role: "developer", content: instructions)]) - 3)
        #expect(prefix >= 1024)
        #expect(cached == [0, prefix, whole[2], 0, 0, whole[5]])
        #expect(written == [whole[0], whole[1] - prefix, 0, whole[3], 0, 0])
    }
}

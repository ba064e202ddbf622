import Foundation
import Testing
@testable import PromptmillCore
import PromptmillTesting

@Suite struct RowRangesTests {
    /// Rows recorded out of order, with long gaps, survive encoding exactly.
    @Test func encodingRoundTrips() throws {
        var ranges = RowRanges()
        for row in [41, 42, 43, 1, 2, 3, 20, 1_000_000, 999_999, 7, 8] { ranges.append(row) }
        let decoded = try RowRanges(encoded: ranges.encoded)
        #expect(decoded == ranges)
        #expect(decoded.count == 11)
        var set = RowSet()
        #expect(set.insert(decoded) == 0)
        #expect(set.count == 11)
        #expect(set.contains(999_999) && set.contains(43) && !set.contains(44) && !set.contains(0))
        #expect(set.insert(decoded) == 11)
    }

    @Test func damagedEncodingIsRefused() {
        #expect(throws: StateError.self) { try RowRanges(encoded: [0x80]) }
        #expect(throws: StateError.self) { try RowRanges(encoded: [0x02, 0x00]) }
    }

    /// A member's worth of consecutive cache hits takes a few bytes.
    @Test func consecutiveRowsAreCompact() {
        var ranges = RowRanges()
        for row in 1...10_000 { ranges.append(row) }
        #expect(ranges.encoded.count <= 4)
    }
}

@Suite struct ResponseCacheTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// A one-template pipeline with `params`.
    func configuration(params: String = "{}") throws -> PipelineConfiguration {
        let path = try directory.write(
            "p.yaml",
            """
            name: c
            input: {path: rows.jsonl}
            endpoint: completions
            model: gpt-4o-mini
            prompt: "{{text}}"
            params: \(params)
            output: {path: out.jsonl.gz}
            """)
        try directory.write("rows.jsonl", "{\"text\":\"x\"}\n")
        return try PipelineLoader.load(path: path, environment: [:])
    }

    func key(_ text: String) throws -> ResponseCacheKey {
        ResponseCacheKey(configuration: try configuration(), row: PreparedRow(number: 1, line: 1, id: "1", prompt: text, input: JSONObject()))
    }

    @Test func storedAnswersAreFoundByKeyAndCounted() async throws {
        let cache = try ResponseCache(path: directory.path + "/c/responses.sqlite")
        let generation = JobGeneration.random()
        let (one, two, three) = (try key("one"), try key("two"), try key("three"))
        try await cache.store(
            [
                ResponseCache.Entry(
                    key: one, answer: Answer(output: .text("yes"), finishReasons: ["stop"]), usage: TokenUsage(promptTokens: 5, completionTokens: 1),
                    paidBy: CachePayer(generation: generation, row: 7)),
                ResponseCache.Entry(
                    key: three, answer: Answer(output: .choices([.text("a"), .text("b")]), finishReasons: ["stop", "length"]),
                    usage: TokenUsage(promptTokens: 9, completionTokens: 4), paidBy: nil),
            ], model: "m")
        var found: [Int: (String, String, TokenUsage, Bool)] = [:]
        try cache.lookUp([one, two, three]) { index, hit in
            found[index] = (
                String(decoding: hit.output, as: UTF8.self), String(decoding: hit.finishReason, as: UTF8.self), hit.usage,
                generation.paid(hit.paidBy, row: 7)
            )
        }
        #expect(found.count == 2)
        #expect(found[0]?.0 == "\"yes\"" && found[0]?.1 == "\"stop\"" && found[0]?.2 == TokenUsage(promptTokens: 5, completionTokens: 1))
        #expect(found[0]?.3 == true)
        #expect(found[2]?.0 == "[\"a\",\"b\"]" && found[2]?.3 == false)
        let statistics = try cache.statistics()
        #expect(statistics.entries == 2)
        #expect(statistics.models.map(\.model) == ["m"])
        #expect(statistics.fileBytes > 0)
        #expect(try cache.prune(olderThan: Date().addingTimeInterval(-3600)) == 0)
        #expect(try cache.prune(olderThan: Date().addingTimeInterval(3600)) == 2)
        #expect(try cache.statistics().entries == 0)
        try await cache.store(
            [ResponseCache.Entry(key: two, answer: Answer(output: .text("n"), finishReasons: []), usage: .zero, paidBy: nil)], model: "m")
        #expect(try cache.clear() == 1)
    }

    /// Jobs started together open the same new cache at once.
    @Test func openingOneNewCacheManyTimesAtOnceWorks() async throws {
        let path = directory.path + "/shared/responses.sqlite"
        let key = try key("shared")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<6 {
                group.addTask {
                    let cache = try ResponseCache(path: path)
                    try await cache.store(
                        [
                            ResponseCache.Entry(
                                key: key, answer: Answer(output: .text("\(index)"), finishReasons: ["stop"]), usage: .zero, paidBy: nil)
                        ],
                        model: "m")
                }
            }
            try await group.waitForAll()
        }
        #expect(try ResponseCache(path: path).statistics().entries == 1)
    }

    /// The fast keyer and the plain key agree, and chat messages are part of the key.
    @Test func keyerAgreesAndMessagesChangeTheKey() throws {
        let configuration = try configuration(params: "{temperature: 0.5, max_tokens: 9}")
        var keyer = ResponseCacheKeyer(configuration: configuration)
        for text in ["", "plain", "quote \" and \\ and \n", "ünïcödé ✓"] {
            let row = PreparedRow(number: 1, line: 1, id: "1", prompt: text, input: JSONObject())
            #expect(keyer.key(prompt: text) == ResponseCacheKey(configuration: configuration, row: row))
        }
        func messages(_ user: String, system: String = "You label reviews.") -> JSONValue {
            .array([
                .object(JSONObject(keys: ["role", "content"], values: [.string("system"), .string(system)])),
                .object(JSONObject(keys: ["role", "content"], values: [.string("user"), .string(user)])),
            ])
        }
        let reference = ResponseCacheKey(configuration: configuration, content: messages("great kettle"))
        #expect(keyer.key(content: messages("great kettle")) == reference)
        #expect(ResponseCacheKey(configuration: configuration, content: messages("great kettles")) != reference)
        #expect(ResponseCacheKey(configuration: configuration, content: messages("great kettle", system: "You label.")) != reference)
    }
}

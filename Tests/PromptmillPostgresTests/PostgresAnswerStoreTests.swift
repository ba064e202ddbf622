import Foundation
import PromptmillCore
import PromptmillPostgres
import PromptmillTesting
import Testing

@Suite struct PostgresAnswerStoreTests {
    let directory: TemporaryDirectory
    let configuration: PipelineConfiguration

    init() throws {
        directory = try TemporaryDirectory()
        let path = try directory.write(
            "p.yaml",
            """
            name: c
            input: {path: rows.jsonl}
            endpoint: completions
            model: gpt-4o-mini
            prompt: "{{text}}"
            output: {path: out.jsonl.gz}
            """)
        _ = try directory.write("rows.jsonl", "{\"text\":\"x\"}\n")
        configuration = try PipelineLoader.load(path: path, environment: [:])
    }

    func keys(_ texts: [String]) -> [ResponseCacheKey] {
        var keyer = ResponseCacheKeyer(configuration: configuration)
        return texts.map { keyer.key(prompt: $0) }
    }

    /// What a lookup found, copied out of the call.
    struct Found: Equatable {
        var output: String
        var finishReason: String
        var usage: TokenUsage
        var paidBy: [UInt8]
    }

    func lookUp(_ store: PostgresAnswerStore, _ keys: [ResponseCacheKey]) throws -> [Int: Found] {
        var found: [Int: Found] = [:]
        try store.lookUp(keys) { index, hit in
            #expect(found[index] == nil)
            found[index] = Found(
                output: String(decoding: hit.output, as: UTF8.self), finishReason: String(decoding: hit.finishReason, as: UTF8.self),
                usage: hit.usage, paidBy: Array(hit.paidBy))
        }
        return found
    }

    /// Stored answers are found by key with every usage detail and their payer; a missing
    /// key is not reported.
    @Test func storedAnswersAreFoundByKey() async throws {
        try await TestDatabase.with { database in
            let store = try PostgresAnswerStore(database: database)
            let generation = JobGeneration.random()
            let (one, two, three) = {
                let keys = keys(["one", "two", "three"])
                return (keys[0], keys[1], keys[2])
            }()
            let usage = TokenUsage(
                promptTokens: 50, completionTokens: 9, cachedPromptTokens: 32, cacheWriteTokens: 7, reasoningTokens: 4, counted: true,
                tier: .batch)
            let choices = Answer(output: .choices([.text("a"), .text("b")]), finishReasons: ["stop", "length"])
            try await store.store(
                [
                    ResponseCache.Entry(
                        key: one, answer: Answer(output: .text("yes"), finishReasons: ["stop"]), usage: usage,
                        paidBy: CachePayer(generation: generation, row: 7)),
                    ResponseCache.Entry(key: three, answer: choices, usage: TokenUsage(promptTokens: 9, completionTokens: 4), paidBy: nil),
                ], model: "gpt-4o-mini")
            var answers: [Int: Answer] = [:]
            var paid: [Int: Bool] = [:]
            try synchronously {
                try store.lookUp([one, two, three]) { index, hit in
                    answers[index] = Answer(storedOutput: hit.output, finishReason: hit.finishReason)
                    paid[index] = generation.paid(hit.paidBy, row: 7)
                }
            }
            #expect(answers == [0: Answer(output: .text("yes"), finishReasons: ["stop"]), 2: choices])
            #expect(paid == [0: true, 2: false])
            let found = try synchronously { try lookUp(store, [one, two, three]) }
            #expect(
                found[0] == Found(output: "\"yes\"", finishReason: "\"stop\"", usage: usage, paidBy: CachePayer(generation: generation, row: 7).bytes)
            )
            #expect(
                found[2]
                    == Found(
                        output: "[\"a\",\"b\"]", finishReason: "[\"stop\",\"length\"]", usage: TokenUsage(promptTokens: 9, completionTokens: 4),
                        paidBy: []))
        }
    }

    /// An answer stored again under its key replaces the one there, within one call too
    /// (the later entry wins).
    @Test func storingAgainReplaces() async throws {
        try await TestDatabase.with { database in
            let store = try PostgresAnswerStore(database: database)
            let key = keys(["again"])[0]
            func entry(_ text: String, tokens: Int) -> ResponseCache.Entry {
                ResponseCache.Entry(
                    key: key, answer: Answer(output: .text(text), finishReasons: ["stop"]),
                    usage: TokenUsage(promptTokens: tokens, completionTokens: 1), paidBy: nil)
            }
            try await store.store([entry("first", tokens: 1)], model: "m")
            try await store.store([entry("second", tokens: 2), entry("third", tokens: 3)], model: "m")
            let found = try synchronously { try lookUp(store, [key]) }
            #expect(found[0]?.output == "\"third\"")
            #expect(found[0]?.usage.promptTokens == 3)
            let count = try await database.query("SELECT count(*) FROM answers").first!.decode(Int.self)
            #expect(count == 1)
        }
    }

    /// A lookup of more keys than one statement takes finds every stored one, in order,
    /// missing ones and repeated ones included.
    @Test func looksUpManyKeysInBatches() async throws {
        try await TestDatabase.with { database in
            let store = try PostgresAnswerStore(database: database)
            let stored = keys((0..<5000).map { "row \($0)" })
            let missing = keys((0..<1000).map { "missing \($0)" })
            try await store.store(
                stored.enumerated().map { index, key in
                    ResponseCache.Entry(
                        key: key, answer: Answer(output: .text("\(index)"), finishReasons: ["stop"]),
                        usage: TokenUsage(promptTokens: index, completionTokens: 1), paidBy: nil)
                }, model: "m")
            // Every fifth key is a missing one; the first stored key comes again at the end.
            var asked: [ResponseCacheKey] = []
            var expected: [Int: String] = [:]
            for (index, key) in stored.enumerated() {
                if index % 5 == 0 { asked.append(missing[index / 5]) }
                expected[asked.count] = "\"\(index)\""
                asked.append(key)
            }
            expected[asked.count] = "\"0\""
            asked.append(stored[0])
            var order: [Int] = []
            var outputs: [Int: String] = [:]
            try synchronously {
                try store.lookUp(asked) { index, hit in
                    order.append(index)
                    outputs[index] = String(decoding: hit.output, as: UTF8.self)
                }
            }
            #expect(outputs == expected)
            #expect(order == order.sorted())
        }
    }

    /// What a generation paid for is found by the payer's first 16 bytes, with its row.
    @Test func answersPaidByAGeneration() async throws {
        try await TestDatabase.with { database in
            let store = try PostgresAnswerStore(database: database)
            let (mine, theirs) = (JobGeneration.random(), JobGeneration.random())
            let keys = keys(["a", "b", "c", "d"])
            let usage = TokenUsage(promptTokens: 11, completionTokens: 3, reasoningTokens: 2, tier: .flex)
            let payers = [
                CachePayer(generation: mine, row: 3), CachePayer(generation: theirs, row: 3), nil, CachePayer(generation: mine, row: 1 << 40),
            ]
            try await store.store(
                zip(keys, payers).map { key, payer in
                    ResponseCache.Entry(key: key, answer: Answer(output: .text("x"), finishReasons: ["stop"]), usage: usage, paidBy: payer)
                }, model: "gpt-4.1")
            let paid = try synchronously { try store.answersPaid(by: mine) }.sorted { $0.row < $1.row }
            #expect(paid.map(\.row) == [3, 1 << 40])
            #expect(paid.allSatisfy { $0.model == "gpt-4.1" && $0.usage == usage })
            #expect(try synchronously { try store.answersPaid(by: JobGeneration.random()) }.isEmpty)
        }
    }

    /// Workers storing at once, some the same keys, leave one entry per key.
    @Test func storesFromManyTasksAtOnce() async throws {
        try await TestDatabase.with { database in
            let store = try PostgresAnswerStore(database: database)
            let keys = keys((0..<200).map { "shared \($0)" })
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        for start in stride(from: 0, to: keys.count, by: 50) {
                            try await store.store(
                                keys[start..<(start + 50)].map { key in
                                    ResponseCache.Entry(
                                        key: key, answer: Answer(output: .text("\(worker)"), finishReasons: ["stop"]), usage: .zero,
                                        paidBy: nil)
                                }, model: "m")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let count = try await database.query("SELECT count(*) FROM answers").first!.decode(Int.self)
            #expect(count == 200)
            #expect(try synchronously { try lookUp(store, keys) }.count == 200)
        }
    }

    /// prune removes what is older than a date, clear everything.
    @Test func pruneAndClear() async throws {
        try await TestDatabase.with { database in
            let store = try PostgresAnswerStore(database: database)
            try await store.store(
                keys(["p", "q"]).map { key in
                    ResponseCache.Entry(key: key, answer: Answer(output: .text("x"), finishReasons: ["stop"]), usage: .zero, paidBy: nil)
                }, model: "m")
            try synchronously { () throws in
                #expect(try store.prune(olderThan: Date().addingTimeInterval(-3600)) == 0)
                #expect(try store.prune(olderThan: Date().addingTimeInterval(3600)) == 2)
            }
            try await store.store(
                [ResponseCache.Entry(key: keys(["r"])[0], answer: Answer(output: .text("x"), finishReasons: []), usage: .zero, paidBy: nil)],
                model: "m")
            #expect(try synchronously { try store.clear() } == 1)
        }
    }
}

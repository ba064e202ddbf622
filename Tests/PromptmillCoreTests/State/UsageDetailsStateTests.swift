import Foundation
import GRDB
import Testing
@testable import PromptmillCore
import PromptmillTesting

/// The response cache and the job ledger keep the usage details of today's models (cache
/// writes, reasoning) and what the prompt cache saved; files of the schema before ("v2")
/// move to "v3" with their data.
@Suite struct UsageDetailsStateTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    static let details = TokenUsage(
        promptTokens: 2_000, completionTokens: 90, cachedPromptTokens: 1_152, cacheWriteTokens: 512, reasoningTokens: 64)

    /// A key for `text`, as a chat pipeline's row would have.
    func key(_ text: String) throws -> ResponseCacheKey {
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
        try directory.write("rows.jsonl", "{\"text\":\"x\"}\n")
        return ResponseCacheKey(configuration: try PipelineLoader.load(path: path, environment: [:]), content: .string(text))
    }

    /// Takes a file written by today's code back to the schema of "v2": the columns "v3"
    /// added are dropped and "v3" is no longer recorded, as a file of the release before.
    static func downgradeToV2(_ path: String, table: String, columns: [String], then extra: String = "") throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            for column in columns { try db.execute(sql: "ALTER TABLE \(table) DROP COLUMN \(column)") }
            // And what "v4" (issue 15's tiers and batches) added.
            if table == "responses" {
                try db.execute(sql: "ALTER TABLE responses DROP COLUMN service_tier")
            } else {
                try db.execute(sql: "ALTER TABLE segments DROP COLUMN tiers")
                try db.execute(sql: "DROP TABLE batch_lines")
                try db.execute(sql: "DROP TABLE batches")
                // And what "v5" (issue 17's timeline) added.
                try db.execute(sql: "DROP TRIGGER runs_take_their_timeline")
                try db.execute(sql: "DROP TABLE timeline")
                try db.execute(sql: "DROP TABLE slow_requests")
            }
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier IN ('v3', 'v4', 'v5')")
            if !extra.isEmpty { try db.execute(sql: extra) }
        }
        try queue.close()
    }

    /// Stored answers come back with their cache writes and reasoning tokens, found by key
    /// and as the answers a job paid for.
    @Test func cacheKeepsTheDetails() async throws {
        let cache = try ResponseCache(path: directory.path + "/c/responses.sqlite")
        let generation = JobGeneration.random()
        var counted = Self.details
        counted.counted = true
        try await cache.store(
            [
                ResponseCache.Entry(
                    key: try key("one"), answer: Answer(output: .text("yes"), finishReasons: ["stop"]), usage: Self.details,
                    paidBy: CachePayer(generation: generation, row: 3)),
                ResponseCache.Entry(
                    key: try key("two"), answer: Answer(output: .text("no"), finishReasons: ["stop"]), usage: counted,
                    paidBy: CachePayer(generation: generation, row: 4)),
            ], model: "gpt-5.6")
        var found: [Int: TokenUsage] = [:]
        try cache.lookUp([try key("one"), try key("two")]) { index, hit in found[index] = hit.usage }
        #expect(found == [0: Self.details, 1: counted])
        let paid = try cache.answersPaid(by: generation).sorted { $0.row < $1.row }
        #expect(paid.map(\.row) == [3, 4])
        #expect(paid.map(\.usage) == [Self.details, counted])
    }

    /// A cache of "v2" opens at "v3", the schema of a new file, its answers found with no
    /// cache writes or reasoning (none were kept) and everything else as it was.
    @Test func cacheOfV2MigratesWithItsAnswers() async throws {
        let path = directory.path + "/old.sqlite", fresh = directory.path + "/new.sqlite"
        var usage = Self.details
        usage.counted = true
        try await ResponseCache(path: path).store(
            [ResponseCache.Entry(key: try key("one"), answer: Answer(output: .text("yes"), finishReasons: ["stop"]), usage: usage, paidBy: nil)],
            model: "gpt-5.6")
        try Self.downgradeToV2(path, table: "responses", columns: ["cache_write_tokens", "reasoning_tokens"])
        #expect(try ReleaseFixtureTests.migrations(path) == ["v1", "v2"])

        let cache = try ResponseCache(path: path)
        _ = try ResponseCache(path: fresh)
        #expect(try ReleaseFixtureTests.migrations(path) == ["v1", "v2", "v3", "v4"])
        #expect(try ReleaseFixtureTests.schema(path) == ReleaseFixtureTests.schema(fresh))
        var found: [TokenUsage] = []
        var output = ""
        try cache.lookUp([try key("one")]) { _, hit in
            found.append(hit.usage)
            output = String(decoding: hit.output, as: UTF8.self)
        }
        #expect(found == [TokenUsage(promptTokens: 2_000, completionTokens: 90, cachedPromptTokens: 1_152, counted: true)])
        #expect(output == "\"yes\"")
    }

    /// A segment's totals: `usage`, `cost` and `promptCacheSaved` (nil: unknown), by model.
    static func totals(
        items: Int, usage: TokenUsage, cost: Int64, promptCacheSaved: Int64?, models: [String: JobLedger.ModelFigures] = [:]
    ) -> JobLedger.RecordTotals {
        var totals = JobLedger.RecordTotals()
        totals.items = items
        totals.succeeded = items
        totals.usage = usage
        totals.cost = Money(picodollars: cost)
        totals.promptCacheSaved = promptCacheSaved.map(Money.init(picodollars:))
        totals.models = models
        return totals
    }

    static func rows(_ range: ClosedRange<Int>) -> RowRanges {
        var rows = RowRanges()
        for row in range { rows.append(row) }
        return rows
    }

    /// Writes two segments to a new ledger at `path`: rows 1-2 with nothing cached, rows
    /// 3-4 with every detail and the figures of model `m`.
    static func writeLedger(_ path: String) throws -> JobLedger {
        let ledger = try JobLedger(path: path)
        let start = try ledger.start(
            name: "j", fingerprint: JobFingerprint(request: "r", input: "i", records: "c", output: "o"), outputPath: path + ".out",
            mode: .resume)
        var model = JobLedger.ModelFigures()
        model.usage = details
        model.cost = Money(picodollars: 9_000)
        model.promptCacheSaved = Money(picodollars: 123)
        try ledger.commit(
            JobLedger.Segment(
                endOffset: 10, rows: rows(1...2),
                totals: totals(items: 2, usage: TokenUsage(promptTokens: 100, completionTokens: 10), cost: 5_000, promptCacheSaved: 0)),
            run: start.runID, counters: JobLedger.RunCounters())
        try ledger.commit(
            JobLedger.Segment(
                endOffset: 20, rows: rows(3...4), totals: totals(items: 2, usage: details, cost: 9_000, promptCacheSaved: 123, models: ["m": model])),
            run: start.runID, counters: JobLedger.RunCounters(), outcome: "completed")
        return ledger
    }

    /// The ledger adds up each segment's details, what the prompt cache saved, and each
    /// model's, across runs.
    @Test func ledgerAddsUpTheDetails() throws {
        let progress = try #require(try Self.writeLedger(directory.path + "/j.ledger.sqlite").progress())
        #expect(progress.done.count == 4)
        #expect(progress.records.usage == TokenUsage(promptTokens: 100, completionTokens: 10) + Self.details)
        #expect(progress.records.cost == Money(picodollars: 14_000))
        #expect(progress.records.promptCacheSaved == Money(picodollars: 123))
        let model = try #require(progress.records.models["m"])
        #expect(model.usage == Self.details)
        #expect(model.promptCacheSaved == Money(picodollars: 123))
    }

    /// A ledger of "v2" opens at "v3", the schema of a new file, with its rows, tokens and
    /// costs. It kept no cache writes or reasoning; what the prompt cache saved is none
    /// where nothing was cached and the cost is known, unknown where something was.
    @Test func ledgerOfV2MigratesWithItsTotals() throws {
        let path = directory.path + "/old.ledger.sqlite", fresh = directory.path + "/new.ledger.sqlite"
        _ = try Self.writeLedger(path)
        // The per-model figures as "v2" wrote them: no details, no savings.
        let models = """
            {"m":{"prompt_tokens":2000,"completion_tokens":90,"cached_prompt_tokens":1152,"cost":9000,"cache_hits":0,"saved":0},\
            "n":{"prompt_tokens":5,"completion_tokens":1,"cached_prompt_tokens":0,"cost":1,"cache_hits":0,"saved":0}}
            """
        try Self.downgradeToV2(
            path, table: "segments", columns: ["cache_write_tokens", "reasoning_tokens", "prompt_cache_saved_picodollars"],
            then: "UPDATE segments SET models = '\(models)' WHERE models IS NOT NULL")
        #expect(try ReleaseFixtureTests.migrations(path) == ["v1", "v2"])
        let before = try #require(try JobLedger(path: path, readOnly: true).progress())

        let progress = try #require(try JobLedger(path: path).progress())
        _ = try JobLedger(path: fresh)
        #expect(try ReleaseFixtureTests.migrations(path) == ["v1", "v2", "v3", "v4", "v5"])
        #expect(try ReleaseFixtureTests.schema(path) == ReleaseFixtureTests.schema(fresh))
        #expect(progress.done.count == 4)
        #expect(progress.records.items == before.records.items)
        #expect(progress.records.usage == TokenUsage(promptTokens: 2_100, completionTokens: 100, cachedPromptTokens: 1_152))
        #expect(progress.records.cost == Money(picodollars: 14_000))
        #expect(progress.records.promptCacheSaved == nil)
        #expect(progress.records.models["m"]?.usage == TokenUsage(promptTokens: 2_000, completionTokens: 90, cachedPromptTokens: 1_152))
        #expect(progress.records.models["m"]?.promptCacheSaved == nil)
        #expect(progress.records.models["n"]?.promptCacheSaved == .zero)
        let saved = try ReleaseFixtureTests.readOnly(path).read { db in
            try Int64?.fetchAll(db, sql: "SELECT prompt_cache_saved_picodollars FROM segments ORDER BY seq")
        }
        #expect(saved == [0, nil])
    }
}

import Foundation
import NIOCore
import PostgresNIO
import PromptmillCore

/// The response cache in PostgreSQL, shared by every worker: the twin of `ResponseCache`
/// (its table `answers` has the same columns, see `PostgresSchema`) with the same rules. An
/// answer stored again under its key replaces the one there; errors are never stored.
///
/// `store` takes the async path (it runs as answers arrive); `lookUp` and `answersPaid` the
/// synchronous one, as the `AnswerStore` protocol has them.
public final class PostgresAnswerStore: AnswerStore {
    /// Keys looked up per statement: 2,000 keys are 64 kB of parameters.
    static let lookUpBatch = 2000

    public let database: PostgresDatabase

    /// Uses `database`, bringing its schema up to date first.
    public init(database: PostgresDatabase) throws(StateError) {
        self.database = database
        try PostgresMigrator(PostgresSchema.migrations).migrate(database)
    }

    /// Stores answers with one statement (atomic); an existing entry for the same key is
    /// replaced, and of two entries with one key the later one is kept.
    public func store(_ entries: [ResponseCache.Entry], model: String) async throws(StateError) {
        guard !entries.isEmpty else { return }
        var latest: [ResponseCacheKey: Int] = [:]
        for (index, entry) in entries.enumerated() { latest[entry.key] = index }
        let allocator = ByteBufferAllocator()
        var keys: [ByteBuffer] = []
        var outputs: [String] = []
        var finishReasons: [String] = []
        var promptTokens: [Int64] = []
        var completionTokens: [Int64] = []
        var cachedTokens: [Int64] = []
        var cacheWriteTokens: [Int64] = []
        var reasoningTokens: [Int64] = []
        var counted: [Bool] = []
        var tiers: [String] = []
        // An empty payer stands for none (a real one has 24 bytes): arrays have no nulls here.
        var payers: [ByteBuffer] = []
        var output = JSONWriter(capacity: 256)
        var finishReason = JSONWriter(capacity: 32)
        for (index, entry) in entries.enumerated() where latest[entry.key] == index {
            output.removeAll()
            finishReason.removeAll()
            entry.answer.writeOutput(into: &output)
            entry.answer.writeFinishReason(into: &finishReason)
            keys.append(entry.key.withUnsafeBytes { allocator.buffer(bytes: $0) })
            outputs.append(String(decoding: output.bytes, as: UTF8.self))
            finishReasons.append(String(decoding: finishReason.bytes, as: UTF8.self))
            promptTokens.append(Int64(entry.usage.promptTokens))
            completionTokens.append(Int64(entry.usage.completionTokens))
            cachedTokens.append(Int64(entry.usage.cachedPromptTokens))
            cacheWriteTokens.append(Int64(entry.usage.cacheWriteTokens))
            reasoningTokens.append(Int64(entry.usage.reasoningTokens))
            counted.append(entry.usage.counted)
            tiers.append(entry.usage.tier.rawValue)
            payers.append(allocator.buffer(bytes: entry.paidBy?.bytes ?? []))
        }
        try await database.execute(
            """
            INSERT INTO answers (key, model, output, finish_reason, prompt_tokens, completion_tokens, cached_tokens,
                cache_write_tokens, reasoning_tokens, usage_counted, service_tier, paid_by)
            SELECT k, \(model), o, f, p, c, ct, cw, r, u, t, nullif(pb, ''::bytea)
            FROM unnest(\(keys)::bytea[], \(outputs)::text[], \(finishReasons)::text[], \(promptTokens)::int8[],
                \(completionTokens)::int8[], \(cachedTokens)::int8[], \(cacheWriteTokens)::int8[], \(reasoningTokens)::int8[],
                \(counted)::bool[], \(tiers)::text[], \(payers)::bytea[]) AS x(k, o, f, p, c, ct, cw, r, u, t, pb)
            ON CONFLICT (key) DO UPDATE SET
                model = excluded.model, output = excluded.output, finish_reason = excluded.finish_reason,
                prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens,
                cached_tokens = excluded.cached_tokens, cache_write_tokens = excluded.cache_write_tokens,
                reasoning_tokens = excluded.reasoning_tokens, usage_counted = excluded.usage_counted,
                service_tier = excluded.service_tier, paid_by = excluded.paid_by, created_at = now()
            """, action: "writing the response cache")
    }

    /// Looks keys up in statements of `lookUpBatch`; `found` is called with each key's index
    /// and its entry, in order, for the keys that have one. The entry's bytes are valid only
    /// during the call.
    public func lookUp(_ keys: [ResponseCacheKey], _ found: (Int, ResponseCache.Hit) -> Void) throws(StateError) {
        let allocator = ByteBufferAllocator()
        var start = 0
        while start < keys.count {
            let end = min(start + Self.lookUpBatch, keys.count)
            let batch = keys[start..<end].map { key in key.withUnsafeBytes { allocator.buffer(bytes: $0) } }
            let rows = try database.query(
                """
                SELECT key, output, finish_reason, prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens,
                    reasoning_tokens, usage_counted, service_tier, paid_by
                FROM answers WHERE key = ANY(\(batch)::bytea[])
                """, action: "reading the response cache")
            var byKey: [ByteBuffer: PostgresRandomAccessRow] = [:]
            for row in rows {
                let columns = row.makeRandomAccess()
                if let key = columns[0].bytes { byKey[key] = columns }
            }
            for (offset, key) in batch.enumerated() {
                guard let columns = byKey[key] else { continue }
                try hit(columns) { hit in found(start + offset, hit) }
            }
            start = end
        }
    }

    /// Every answer `generation` paid for, with the row that paid: what a run that was
    /// killed spent beyond its records.
    public func answersPaid(by generation: JobGeneration) throws(StateError) -> [(row: Int, model: String, usage: TokenUsage)] {
        let prefix = ByteBuffer(bytes: generation.bytes)
        let rows = try database.query(
            """
            SELECT paid_by, prompt_tokens, completion_tokens, cached_tokens, model, usage_counted, cache_write_tokens,
                reasoning_tokens, service_tier
            FROM answers WHERE paid_by IS NOT NULL AND substring(paid_by FROM 1 FOR 16) = \(prefix) AND length(paid_by) = 24
            """, action: "reading the response cache")
        do {
            return try rows.map { row in
                let (payer, prompt, completion, cached, model, counted, cacheWrite, reasoning, tier) = try row.decode(
                    (ByteBuffer, Int, Int, Int, String, Bool, Int, Int, String).self)
                let number = payer.readableBytesView.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let usage = TokenUsage(
                    promptTokens: prompt, completionTokens: completion, cachedPromptTokens: cached, cacheWriteTokens: cacheWrite,
                    reasoningTokens: reasoning, counted: counted, tier: ServiceTier(served: tier))
                return (Int(number), model, usage)
            }
        } catch {
            throw database.failure(error, action: "reading the response cache")
        }
    }

    /// Removes entries stored before `date`; returns how many.
    public func prune(olderThan date: Date) throws(StateError) -> Int {
        try database.execute("DELETE FROM answers WHERE created_at < \(date)", action: "pruning the response cache")
    }

    /// Removes every entry; returns how many there were.
    public func clear() throws(StateError) -> Int {
        try database.execute("DELETE FROM answers", action: "clearing the response cache")
    }

    /// Calls `body` with the row's entry, its bytes pointing into the row's own buffers
    /// (text and bytea arrive in binary format: the bytes themselves).
    private func hit(_ columns: PostgresRandomAccessRow, _ body: (ResponseCache.Hit) -> Void) throws(StateError) {
        let usage: TokenUsage
        do {
            usage = TokenUsage(
                promptTokens: try columns[3].decode(Int.self), completionTokens: try columns[4].decode(Int.self),
                cachedPromptTokens: try columns[5].decode(Int.self), cacheWriteTokens: try columns[6].decode(Int.self),
                reasoningTokens: try columns[7].decode(Int.self), counted: try columns[8].decode(Bool.self),
                tier: ServiceTier(served: try columns[9].decode(String.self)))
        } catch {
            throw database.failure(error, action: "reading the response cache")
        }
        let empty = ByteBuffer()
        (columns[1].bytes ?? empty).withUnsafeReadableBytes { output in
            (columns[2].bytes ?? empty).withUnsafeReadableBytes { finishReason in
                (columns[10].bytes ?? empty).withUnsafeReadableBytes { paidBy in
                    body(ResponseCache.Hit(output: output, finishReason: finishReason, usage: usage, paidBy: paidBy))
                }
            }
        }
    }
}

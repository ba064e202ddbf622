import Foundation
import NIOCore
import PostgresNIO
import PromptmillCore

extension PostgresJobStore {
    /// Runs one statement: on the database's synchronous connection, or inside a transaction.
    typealias Query = (PostgresQuery, String) throws(StateError) -> [PostgresRow]

    /// The job's progress as every worker left it; `outputEnd` is `run`'s part's committed
    /// end (0 for no run). Nil when no worker has started the job.
    static func readProgress(job: String, run: Int64?, database: PostgresDatabase, query: Query) throws(StateError) -> JobLedger.Progress? {
        let action = "reading the progress of job '\(job)'"
        let jobRows = try query(
            """
            SELECT generation, request_fingerprint, input_fingerprint, records_fingerprint, output_fingerprint, output_path,
                started_at, scanned_input, input_rows, input_bad_rows
            FROM jobs WHERE name = \(job)
            """, action)
        guard let jobRow = jobRows.first else { return nil }
        var done = RowSet()
        var records = JobLedger.RecordTotals()
        var end: UInt64 = 0
        for row in try query(
            """
            SELECT run, end_offset, rows, items, succeeded, failed, cache_hits, counted_items, prompt_tokens,
                completion_tokens, cached_prompt_tokens, cache_write_tokens, reasoning_tokens, saved_prompt_tokens,
                saved_completion_tokens, cost_picodollars, saved_picodollars, prompt_cache_saved_picodollars, models, tiers
            FROM segments WHERE job = \(job) ORDER BY seq
            """, action)
        {
            let segment = try database.decoding(action) { try SegmentRow(row) }
            done.insert(try RowRanges(encoded: segment.rows))
            records += segment.totals
            if segment.run == run { end = max(end, segment.endOffset) }
        }
        var runs = JobLedger.RunCounters()
        var runCount = 0
        var lastEnded: Date?
        var lastOutcome: String?
        for row in try query(
            """
            SELECT requests, retries, rate_limited, held_picodollars, open_picodollars, ended_at, updated_at, outcome
            FROM runs WHERE job = \(job) ORDER BY id
            """, action)
        {
            let (requests, retries, rateLimited, held, open, ended, updated, outcome) = try database.decoding(action) {
                try row.decode((Int, Int, Int, Int64, Int64, Date?, Date, String?).self)
            }
            runs.requests += requests
            runs.retries += retries
            runs.rateLimited += rateLimited
            runs.held += Money(picodollars: held)
            runs.open += Money(picodollars: open)
            runCount += 1
            lastEnded = ended ?? updated
            lastOutcome = outcome
        }
        return try database.decoding(action) {
            let cells = jobRow.makeRandomAccess()
            let fingerprint = JobFingerprint(
                request: try cells["request_fingerprint"].decode(String.self), input: try cells["input_fingerprint"].decode(String.self),
                records: try cells["records_fingerprint"].decode(String.self), output: try cells["output_fingerprint"].decode(String.self))
            let generation = try cells["generation"].decode(ByteBuffer.self)
            let scanMatches = try cells["scanned_input"].decode(String?.self) == scanKey(fingerprint)
            return JobLedger.Progress(
                generation: JobGeneration(bytes: Array(generation.readableBytesView)), fingerprint: fingerprint,
                outputPath: try cells["output_path"].decode(String.self), outputEnd: end, done: done, records: records, runs: runs,
                runCount: runCount, inputRows: scanMatches ? try cells["input_rows"].decode(Int?.self) : nil,
                inputBadRows: scanMatches ? try cells["input_bad_rows"].decode(Int?.self) : nil,
                startedAt: try cells["started_at"].decode(Date.self), lastRunEnded: lastEnded, lastOutcome: lastOutcome)
        }
    }
}

/// One row of `segments`, decoded.
struct SegmentRow {
    var run: Int64
    var endOffset: UInt64
    /// `RowRanges.encoded`.
    var rows: [UInt8]
    var totals: JobLedger.RecordTotals

    /// Reads the columns `PostgresJobStore.readProgress` selects.
    init(_ row: PostgresRow) throws {
        let cells = row.makeRandomAccess()
        func integer(_ name: String) throws -> Int { try cells[name].decode(Int.self) }
        func money(_ name: String) throws -> Money? { try cells[name].decode(Int64?.self).map(Money.init(picodollars:)) }
        run = try cells["run"].decode(Int64.self)
        endOffset = UInt64(try cells["end_offset"].decode(Int64.self))
        rows = Array(try cells["rows"].decode(ByteBuffer.self).readableBytesView)
        var totals = JobLedger.RecordTotals()
        totals.items = try integer("items")
        totals.succeeded = try integer("succeeded")
        totals.failed = try integer("failed")
        totals.cacheHits = try integer("cache_hits")
        totals.countedItems = try integer("counted_items")
        totals.usage = TokenUsage(
            promptTokens: try integer("prompt_tokens"), completionTokens: try integer("completion_tokens"),
            cachedPromptTokens: try integer("cached_prompt_tokens"), cacheWriteTokens: try integer("cache_write_tokens"),
            reasoningTokens: try integer("reasoning_tokens"))
        totals.savedUsage = TokenUsage(
            promptTokens: try integer("saved_prompt_tokens"), completionTokens: try integer("saved_completion_tokens"))
        totals.cost = try money("cost_picodollars")
        totals.saved = try money("saved_picodollars")
        totals.promptCacheSaved = try money("prompt_cache_saved_picodollars")
        if let models = try cells["models"].decode(String?.self) { totals.models = JobLedger.RecordTotals.models(json: models) }
        if let tiers = try cells["tiers"].decode(String?.self) { totals.tiers = JobLedger.RecordTotals.models(json: tiers) }
        self.totals = totals
    }
}

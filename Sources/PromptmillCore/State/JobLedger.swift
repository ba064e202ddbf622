import Foundation
import GRDB

/// The job's ledger: `STATE_DIR/NAME.ledger.sqlite` (WAL). It knows which rows have a record
/// in the output file and up to which byte the file holds only complete gzip members, so
/// the same command continues the job after any stop.
///
/// The output file is written first and made durable, then its new end and the rows it
/// took are committed here in one transaction: the ledger never points past what is on disk.
public final class JobLedger: Sendable {
    /// Records of one gzip member: committed with the member's end offset.
    public struct Segment: Sendable {
        public var endOffset: UInt64
        public var rows: RowRanges
        public var totals: RecordTotals
    }

    /// One model's figures in a multi-step job.
    public struct ModelFigures: Sendable, Equatable {
        /// Usage of the answers this job paid for.
        public var usage = TokenUsage.zero
        public var cost: Money? = .zero
        /// Answers served from the cache, and what they would have cost.
        public var cacheHits = 0
        public var saved: Money? = .zero
        /// What OpenAI's prompt cache saved on the answers this job paid for: their cached
        /// prompt tokens at the input price less the cached-input price; nil when unknown.
        public var promptCacheSaved: Money? = .zero
        /// Answers this job paid for (by tier: the rows that went that way).
        public var items = 0

        public init() {}

        public static func += (lhs: inout ModelFigures, rhs: ModelFigures) {
            lhs.items += rhs.items
            lhs.usage += rhs.usage
            lhs.cost += rhs.cost
            lhs.cacheHits += rhs.cacheHits
            lhs.saved += rhs.saved
            lhs.promptCacheSaved += rhs.promptCacheSaved
        }
    }

    /// Figures summed over records.
    public struct RecordTotals: Sendable, Equatable {
        public var items = 0
        public var succeeded = 0
        public var failed = 0
        public var cacheHits = 0
        /// Records whose usage promptmill counted: the server sent none.
        public var countedItems = 0
        /// Usage of the records this job paid for.
        public var usage = TokenUsage.zero
        /// Usage the cache hits would have cost.
        public var savedUsage = TokenUsage.zero
        /// What the records this job paid for cost; nil when some could not be priced.
        public var cost: Money? = .zero
        /// What the cache hits would have cost at the job's prices; nil when unknown.
        public var saved: Money? = .zero
        /// What OpenAI's prompt cache saved on the records this job paid for (their cached
        /// prompt tokens at the input price less the cached-input price); nil when unknown.
        public var promptCacheSaved: Money? = .zero
        /// Multi-step jobs: the same by model (empty for a one-step job, whose one model
        /// has the totals).
        public var models: [String: ModelFigures] = [:]
        /// The same by the way the answers were served: `batch`, `flex`, `standard`,
        /// `priority` (`TokenUsage.tier`).
        public var tiers: [String: ModelFigures] = [:]

        public init() {}

        public static func += (lhs: inout RecordTotals, rhs: RecordTotals) {
            lhs.items += rhs.items
            lhs.succeeded += rhs.succeeded
            lhs.failed += rhs.failed
            lhs.cacheHits += rhs.cacheHits
            lhs.countedItems += rhs.countedItems
            lhs.usage += rhs.usage
            lhs.savedUsage += rhs.savedUsage
            lhs.cost += rhs.cost
            lhs.saved += rhs.saved
            lhs.promptCacheSaved += rhs.promptCacheSaved
            for (model, figures) in rhs.models { lhs.models[model, default: ModelFigures()] += figures }
            for (tier, figures) in rhs.tiers { lhs.tiers[tier, default: ModelFigures()] += figures }
        }

        /// `models` as JSON for the ledger; nil when empty.
        public var modelsJSON: String? { Self.json(models) }
        public var tiersJSON: String? { Self.json(tiers) }

        public static func json(_ figuresByName: [String: ModelFigures]) -> String? {
            guard !figuresByName.isEmpty else { return nil }
            var object = JSONObject()
            for (model, figures) in figuresByName.sorted(by: { $0.key < $1.key }) {
                var entry = JSONObject()
                entry.append("prompt_tokens", .number(String(figures.usage.promptTokens)))
                entry.append("completion_tokens", .number(String(figures.usage.completionTokens)))
                entry.append("cached_prompt_tokens", .number(String(figures.usage.cachedPromptTokens)))
                entry.append("cache_write_tokens", .number(String(figures.usage.cacheWriteTokens)))
                entry.append("reasoning_tokens", .number(String(figures.usage.reasoningTokens)))
                entry.append("cost", figures.cost.map { .number(String($0.picodollars)) } ?? .null)
                entry.append("cache_hits", .number(String(figures.cacheHits)))
                entry.append("saved", figures.saved.map { .number(String($0.picodollars)) } ?? .null)
                entry.append("prompt_cache_saved", figures.promptCacheSaved.map { .number(String($0.picodollars)) } ?? .null)
                entry.append("items", .number(String(figures.items)))
                object.append(model, .object(entry))
            }
            var writer = JSONWriter()
            writer.value(.object(object))
            return String(decoding: writer.bytes, as: UTF8.self)
        }

        public static func models(json: String) -> [String: ModelFigures] {
            guard case .object(let object)? = try? Array(json.utf8).withUnsafeBytes({ try JSONParser.parse($0) }) else { return [:] }
            var models: [String: ModelFigures] = [:]
            for (model, value) in zip(object.keys, object.values) {
                guard case .object(let entry) = value else { continue }
                func integer(_ key: String) -> Int64? {
                    if case .number(let text)? = entry[key] { return Int64(text) }
                    return nil
                }
                var figures = ModelFigures()
                figures.usage = TokenUsage(
                    promptTokens: Int(integer("prompt_tokens") ?? 0), completionTokens: Int(integer("completion_tokens") ?? 0),
                    cachedPromptTokens: Int(integer("cached_prompt_tokens") ?? 0),
                    cacheWriteTokens: Int(integer("cache_write_tokens") ?? 0), reasoningTokens: Int(integer("reasoning_tokens") ?? 0))
                figures.cost = integer("cost").map(Money.init(picodollars:))
                figures.cacheHits = Int(integer("cache_hits") ?? 0)
                figures.items = Int(integer("items") ?? 0)
                figures.saved = integer("saved").map(Money.init(picodollars:))
                // Written before the prompt cache's savings were kept: none when nothing was
                // cached and the cost is known, else unknown.
                figures.promptCacheSaved =
                    entry["prompt_cache_saved"] == nil
                    ? (figures.usage.cachedPromptTokens == 0 && figures.cost != nil ? .zero : nil)
                    : integer("prompt_cache_saved").map(Money.init(picodollars:))
                models[model] = figures
            }
            return models
        }
    }

    /// What one run did on the wire.
    public struct RunCounters: Sendable, Equatable {
        public var requests = 0
        public var retries = 0
        public var rateLimited = 0
        /// Worst cases of requests whose fate is unknown (timeouts, dropped connections):
        /// counted as spent by the budget, since the API may have billed them.
        public var held = Money.zero
        /// Reservations open when the run last wrote them: requests in flight. After a kill
        /// they may all have been billed, so a budget counts them as spent.
        public var open = Money.zero

        public init() {}

        public static func += (lhs: inout RunCounters, rhs: RunCounters) {
            lhs.requests += rhs.requests
            lhs.retries += rhs.retries
            lhs.rateLimited += rhs.rateLimited
            lhs.held += rhs.held
            lhs.open += rhs.open
        }
    }

    /// The job as the ledger knows it.
    public struct Progress: Sendable {
        public var generation: JobGeneration
        public var fingerprint: JobFingerprint
        public var outputPath: String
        /// The output file holds complete members up to here.
        public var outputEnd: UInt64
        public var done: RowSet
        public var records: RecordTotals
        /// Summed over earlier runs of this generation.
        public var runs: RunCounters
        public var runCount: Int
        /// Rows and bad rows of the input, when a run has read all of it.
        public var inputRows: Int?
        public var inputBadRows: Int?
        public var startedAt: Date
        public var lastRunEnded: Date?
        public var lastOutcome: String?

        public init(
            generation: JobGeneration, fingerprint: JobFingerprint, outputPath: String, outputEnd: UInt64, done: RowSet,
            records: RecordTotals, runs: RunCounters, runCount: Int, inputRows: Int?, inputBadRows: Int?, startedAt: Date,
            lastRunEnded: Date?, lastOutcome: String?
        ) {
            self.generation = generation
            self.fingerprint = fingerprint
            self.outputPath = outputPath
            self.outputEnd = outputEnd
            self.done = done
            self.records = records
            self.runs = runs
            self.runCount = runCount
            self.inputRows = inputRows
            self.inputBadRows = inputBadRows
            self.startedAt = startedAt
            self.lastRunEnded = lastRunEnded
            self.lastOutcome = lastOutcome
        }
    }

    /// How a run starts: what the ledger held, and why it was set aside, if it was.
    public struct Start: Sendable {
        public var progress: Progress
        /// Why earlier progress was dropped (nil: continued, or nothing to continue).
        public var restartReason: String?
        public var resumed: Bool
        public var runID: Int64
        /// An earlier run of this generation may have been paid for answers it did not
        /// record (it was killed, or the output was lost): what a budget must look up.
        public var mayHaveUnrecordedAnswers = false
        /// `--retry-failed` on the same generation: the output is written again, and its
        /// old records (the failed ones' billed cost among them) are about to go.
        public var rewriting = false

        public init(
            progress: Progress, restartReason: String?, resumed: Bool, runID: Int64, mayHaveUnrecordedAnswers: Bool = false,
            rewriting: Bool = false
        ) {
            self.progress = progress
            self.restartReason = restartReason
            self.resumed = resumed
            self.runID = runID
            self.mayHaveUnrecordedAnswers = mayHaveUnrecordedAnswers
            self.rewriting = rewriting
        }
    }

    public let path: String
    private let queue: DatabaseQueue

    public static func path(stateDirectory: String, jobName: String) -> String {
        stateDirectory + "/" + jobName + ".ledger.sqlite"
    }

    /// Opens the ledger, creating it (0600) unless `readOnly`.
    public init(path: String, readOnly: Bool = false) throws(StateError) {
        self.path = path
        do {
            if !readOnly { try PrivateFile.prepare(path) }
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            configuration.readonly = readOnly
            configuration.journalMode = readOnly ? .default : .wal
            configuration.prepareDatabase { db in
                if !readOnly { try db.execute(sql: "PRAGMA synchronous = NORMAL") }
            }
            queue = try DatabaseQueue(path: path, configuration: configuration)
            if !readOnly { try Self.migrator.migrateSharedFile(queue) }
        } catch let error as StateError {
            throw error
        } catch {
            throw .cannotOpen(path: path, what: "job ledger", reason: "\(error)")
        }
    }

    /// The ledger's schema as named migrations, applied in order and recorded in the file's
    /// `grdb_migrations` table. A schema change is a new migration appended here; one that
    /// has shipped is never edited. A read-only open runs none.
    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1", foreignKeyChecks: .immediate) { db in try createSchema(db) }
        // Records whose usage promptmill counted (the server sent none).
        migrator.registerMigration("v2") { db in
            try db.alter(table: "segments") { table in table.add(column: "counted_items", .integer).notNull().defaults(to: 0) }
        }
        // The usage details of today's models (issue 14) and what the prompt cache saved.
        // Segments written before have none of either detail; their savings are none where
        // nothing was cached and the cost is known, and unknown where something was.
        migrator.registerMigration("v3") { db in
            try db.alter(table: "segments") { table in
                table.add(column: "cache_write_tokens", .integer).notNull().defaults(to: 0)
                table.add(column: "reasoning_tokens", .integer).notNull().defaults(to: 0)
                table.add(column: "prompt_cache_saved_picodollars", .integer)
            }
            try db.execute(
                sql: """
                    UPDATE segments SET prompt_cache_saved_picodollars = 0
                    WHERE cached_prompt_tokens = 0 AND cost_picodollars IS NOT NULL
                    """)
        }
        migrator.registerMigration("v4") { db in try createBatchTables(db) }
        // Each run's timeline and slowest requests (issue 17), for `promptmill report`.
        migrator.registerMigration("v5") { db in try createTimelineTables(db) }
        return migrator
    }

    /// "v1": ledgers of release 0.1 have these tables but no `grdb_migrations`, and older ones
    /// lack some columns, so it creates what is missing and adds the columns a file lacks: a
    /// new file and an old one end at the same schema.
    private static func createSchema(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS job (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    name TEXT NOT NULL,
                    generation BLOB NOT NULL,
                    request_fingerprint TEXT NOT NULL,
                    input_fingerprint TEXT NOT NULL,
                    records_fingerprint TEXT NOT NULL,
                    output_fingerprint TEXT NOT NULL,
                    output_path TEXT NOT NULL,
                    started_at REAL NOT NULL,
                    scanned_input TEXT,
                    input_rows INTEGER,
                    input_bad_rows INTEGER
                );
                CREATE TABLE IF NOT EXISTS segments (
                    seq INTEGER PRIMARY KEY,
                    end_offset INTEGER NOT NULL,
                    rows BLOB NOT NULL,
                    items INTEGER NOT NULL,
                    succeeded INTEGER NOT NULL,
                    failed INTEGER NOT NULL,
                    cache_hits INTEGER NOT NULL,
                    prompt_tokens INTEGER NOT NULL,
                    completion_tokens INTEGER NOT NULL,
                    saved_prompt_tokens INTEGER NOT NULL,
                    saved_completion_tokens INTEGER NOT NULL,
                    committed_at REAL NOT NULL,
                    cached_prompt_tokens INTEGER NOT NULL DEFAULT 0,
                    cost_picodollars INTEGER,
                    saved_picodollars INTEGER,
                    models TEXT
                );
                CREATE TABLE IF NOT EXISTS runs (
                    id INTEGER PRIMARY KEY,
                    pid INTEGER NOT NULL,
                    started_at REAL NOT NULL,
                    updated_at REAL NOT NULL,
                    ended_at REAL,
                    requests INTEGER NOT NULL DEFAULT 0,
                    retries INTEGER NOT NULL DEFAULT 0,
                    rate_limited INTEGER NOT NULL DEFAULT 0,
                    outcome TEXT,
                    held_picodollars INTEGER NOT NULL DEFAULT 0,
                    open_picodollars INTEGER NOT NULL DEFAULT 0
                );
                """)
        // Ledgers written before cost accounting: their records' costs stay unknown.
        let added: [(table: String, column: String, type: String)] = [
            ("segments", "cached_prompt_tokens", "INTEGER NOT NULL DEFAULT 0"), ("segments", "cost_picodollars", "INTEGER"),
            ("segments", "saved_picodollars", "INTEGER"), ("segments", "models", "TEXT"), ("runs", "held_picodollars", "INTEGER NOT NULL DEFAULT 0"),
            ("runs", "open_picodollars", "INTEGER NOT NULL DEFAULT 0"),
        ]
        for (table, column, type) in added where try !db.columns(in: table).contains(where: { $0.name == column }) {
            try db.execute(sql: "ALTER TABLE \(table) ADD COLUMN \(column) \(type)")
        }
    }

    /// Reads the job's progress; nil when no run has started it.
    public func progress() throws(StateError) -> Progress? {
        do {
            return try queue.read { db in try Self.readProgress(db) }
        } catch let error as StateError {
            throw error
        } catch {
            throw .readFailed(path: path, what: "job ledger", reason: "\(error)")
        }
    }

    private static func readProgress(_ db: Database) throws -> Progress? {
        guard try db.tableExists("job"), let job = try Row.fetchOne(db, sql: "SELECT * FROM job WHERE id = 1") else { return nil }
        var done = RowSet()
        var records = RecordTotals()
        var end: UInt64 = 0
        let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM segments ORDER BY seq")
        while let segment = try cursor.next() {
            let bytes: Data = segment["rows"]
            let ranges = try RowRanges(encoded: [UInt8](bytes))
            done.insert(ranges)
            records.items += segment["items"]
            records.succeeded += segment["succeeded"]
            records.failed += segment["failed"]
            records.cacheHits += segment["cache_hits"]
            records.countedItems += (segment["counted_items"] as Int?) ?? 0
            records.usage += TokenUsage(
                promptTokens: segment["prompt_tokens"], completionTokens: segment["completion_tokens"],
                cachedPromptTokens: (segment["cached_prompt_tokens"] as Int?) ?? 0,
                cacheWriteTokens: (segment["cache_write_tokens"] as Int?) ?? 0, reasoningTokens: (segment["reasoning_tokens"] as Int?) ?? 0)
            let cost: Int64? = segment["cost_picodollars"]
            let saved: Int64? = segment["saved_picodollars"]
            let promptCacheSaved: Int64? = segment["prompt_cache_saved_picodollars"]
            records.cost += cost.map(Money.init(picodollars:))
            records.saved += saved.map(Money.init(picodollars:))
            records.promptCacheSaved += promptCacheSaved.map(Money.init(picodollars:))
            if let models = segment["models"] as String? {
                for (model, figures) in RecordTotals.models(json: models) { records.models[model, default: ModelFigures()] += figures }
            }
            if let tiers = segment["tiers"] as String? {
                for (tier, figures) in RecordTotals.models(json: tiers) { records.tiers[tier, default: ModelFigures()] += figures }
            }
            records.savedUsage += TokenUsage(promptTokens: segment["saved_prompt_tokens"], completionTokens: segment["saved_completion_tokens"])
            end = UInt64(segment["end_offset"] as Int64)
        }
        var runs = RunCounters()
        var runCount = 0
        var lastEnded: Date?
        var lastOutcome: String?
        for run in try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY id") {
            runs.requests += run["requests"]
            runs.retries += run["retries"]
            runs.rateLimited += run["rate_limited"]
            runs.held += Money(picodollars: (run["held_picodollars"] as Int64?) ?? 0)
            runs.open += Money(picodollars: (run["open_picodollars"] as Int64?) ?? 0)
            runCount += 1
            lastEnded =
                (run["ended_at"] as Double?).map { Date(timeIntervalSince1970: $0) }
                ?? (run["updated_at"] as Double?).map { Date(timeIntervalSince1970: $0) }
            lastOutcome = run["outcome"]
        }
        let generation: Data = job["generation"]
        let fingerprint = JobFingerprint(
            request: job["request_fingerprint"], input: job["input_fingerprint"],
            records: job["records_fingerprint"], output: job["output_fingerprint"])
        let scanned: String? = job["scanned_input"]
        let scanMatches = scanned == scanKey(fingerprint)
        return Progress(
            generation: JobGeneration(bytes: [UInt8](generation)), fingerprint: fingerprint,
            outputPath: job["output_path"], outputEnd: end, done: done, records: records, runs: runs,
            runCount: runCount, inputRows: scanMatches ? job["input_rows"] : nil,
            inputBadRows: scanMatches ? job["input_bad_rows"] : nil,
            startedAt: Date(timeIntervalSince1970: job["started_at"]), lastRunEnded: lastEnded, lastOutcome: lastOutcome)
    }

    /// Starts a run: continues the recorded job when its fingerprint matches and the output
    /// file still holds what the ledger says; otherwise (or with `fresh`) starts the job
    /// again with a new generation, keeping nothing but what was learned about the input.
    /// How a run treats the job's earlier progress.
    public enum StartMode: Sendable {
        /// Continue where the ledger says.
        case resume
        /// `--fresh`: start the job again as a new generation.
        case fresh
        /// `--retry-failed`: write the output again as the same generation: answers the
        /// job paid for come back from the answer store as its own, rows whose records
        /// were errors are sent again.
        case rewrite
    }

    /// Why a start with `changes` (the fingerprint's, `JobFingerprint.changes(from:)`) sets
    /// the job's earlier progress aside in this mode; nil: it continues. Every job store
    /// follows this rule; a store may add its own reasons (a lost output file).
    public static func restartReason(mode: StartMode, changes: [String]) -> String? {
        if mode == .fresh { return "--fresh: starting the job again" }
        if !changes.isEmpty { return "since the last run, \(changes.joined(separator: " and ")) changed: starting the job again" }
        if mode == .rewrite {
            return
                "--retry-failed: writing the output again; answers already paid for come from the cache at no new cost, rows that failed are sent again"
        }
        return nil
    }

    public func start(name: String, fingerprint: JobFingerprint, outputPath: String, mode: StartMode) throws(StateError) -> Start {
        let fresh = mode == .fresh
        let outputSize = (try? FileManager.default.attributesOfItem(atPath: outputPath)[.size] as? UInt64) ?? nil
        do {
            return try queue.write { db in
                let now = Date().timeIntervalSince1970
                var reason: String?
                var rewriting = false
                if let existing = try Self.readProgress(db) {
                    let changes = fingerprint.changes(from: existing.fingerprint)
                    reason = Self.restartReason(mode: mode, changes: changes)
                    if reason == nil, existing.outputEnd > 0, (outputSize ?? 0) < existing.outputEnd {
                        reason =
                            outputSize == nil
                            ? "the output file is missing: writing it again"
                            : "the output file is shorter than recorded: writing it again"
                    }
                    if reason == nil {
                        let runID = try Self.insertRun(db, now: now)
                        return Start(
                            progress: existing, restartReason: nil, resumed: existing.done.count > 0, runID: runID,
                            mayHaveUnrecordedAnswers: existing.runCount > 0 && existing.lastOutcome == nil)
                    }
                    // A missing output file keeps the generation, so answers this job paid
                    // for still count as its own when they come back from the cache.
                    let keepGeneration = !fresh && changes.isEmpty
                    rewriting = keepGeneration && mode == .rewrite
                    // A generation kept keeps what its lost records were billed for (segments
                    // of no rows, `BilledFailures`).
                    try db.execute(sql: keepGeneration ? "DELETE FROM segments WHERE items > 0" : "DELETE FROM segments")
                    if !keepGeneration {
                        try db.execute(sql: "DELETE FROM runs")
                        try db.execute(
                            sql: """
                                UPDATE job SET generation = ?, request_fingerprint = ?, input_fingerprint = ?,
                                    records_fingerprint = ?, output_fingerprint = ?, output_path = ?, started_at = ? WHERE id = 1
                                """,
                            arguments: [
                                Data(JobGeneration.random().bytes), fingerprint.request, fingerprint.input,
                                fingerprint.records, fingerprint.output, outputPath, now,
                            ])
                    }
                } else {
                    try db.execute(
                        sql: """
                            INSERT INTO job (id, name, generation, request_fingerprint, input_fingerprint, records_fingerprint,
                                output_fingerprint, output_path, started_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            name, Data(JobGeneration.random().bytes), fingerprint.request, fingerprint.input,
                            fingerprint.records, fingerprint.output, outputPath, now,
                        ])
                }
                let runID = try Self.insertRun(db, now: now)
                guard let progress = try Self.readProgress(db) else {
                    throw StateError.writeFailed(path: "", what: "job ledger", reason: "the job row is missing")
                }
                return Start(
                    progress: progress, restartReason: reason, resumed: false, runID: runID,
                    mayHaveUnrecordedAnswers: progress.runCount > 1, rewriting: rewriting)
            }
        } catch let error as StateError {
            throw error
        } catch {
            throw .writeFailed(path: path, what: "job ledger", reason: "\(error)")
        }
    }

    private static func insertRun(_ db: Database, now: Double) throws -> Int64 {
        try db.execute(sql: "INSERT INTO runs (pid, started_at, updated_at) VALUES (?, ?, ?)", arguments: [Int(getpid()), now, now])
        return db.lastInsertedRowID
    }

    /// The counts a run recorded for this very input and these settings, if one did: what
    /// lets a run skip its checking pass. Reads the job's row only.
    public func storedInputScan(for fingerprint: JobFingerprint) throws(StateError) -> (rows: Int, badRows: Int)? {
        do {
            return try queue.read { db -> (rows: Int, badRows: Int)? in
                guard try db.tableExists("job"),
                    let row = try Row.fetchOne(db, sql: "SELECT scanned_input, input_rows, input_bad_rows FROM job WHERE id = 1"),
                    (row[0] as String?) == Self.scanKey(fingerprint),
                    let rows = row[1] as Int?, let bad = row[2] as Int?
                else { return nil }
                return (rows, bad)
            }
        } catch {
            throw .readFailed(path: path, what: "job ledger", reason: "\(error)")
        }
    }

    /// A scan holds for one input read with one template, id field and bad-row policy.
    private static func scanKey(_ fingerprint: JobFingerprint) -> String {
        fingerprint.input + fingerprint.records + fingerprint.request
    }

    /// Remembers the counts of a full read of the input, so the next run of the same input
    /// can skip its checking pass.
    public func recordInputScan(fingerprint: JobFingerprint, rows: Int, badRows: Int) throws(StateError) {
        try write { db in
            try db.execute(
                sql: "UPDATE job SET scanned_input = ?, input_rows = ?, input_bad_rows = ? WHERE id = 1",
                arguments: [Self.scanKey(fingerprint), rows, badRows])
        }
    }

    /// Commits a member's records and the run's counters so far, in one transaction.
    public func commit(_ segment: Segment?, run: Int64, counters: RunCounters, outcome: String? = nil) throws(StateError) {
        try write { db in
            let now = Date().timeIntervalSince1970
            if let segment {
                let totals = segment.totals
                try db.execute(
                    sql: """
                        INSERT INTO segments (end_offset, rows, items, succeeded, failed, cache_hits, prompt_tokens,
                            completion_tokens, saved_prompt_tokens, saved_completion_tokens, committed_at,
                            cached_prompt_tokens, cost_picodollars, saved_picodollars, models, counted_items,
                            cache_write_tokens, reasoning_tokens, prompt_cache_saved_picodollars, tiers)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        Int64(segment.endOffset), Data(segment.rows.encoded), totals.items, totals.succeeded,
                        totals.failed, totals.cacheHits, totals.usage.promptTokens, totals.usage.completionTokens,
                        totals.savedUsage.promptTokens, totals.savedUsage.completionTokens, now,
                        totals.usage.cachedPromptTokens, totals.cost?.picodollars, totals.saved?.picodollars,
                        totals.modelsJSON, totals.countedItems, totals.usage.cacheWriteTokens, totals.usage.reasoningTokens,
                        totals.promptCacheSaved?.picodollars, totals.tiersJSON,
                    ])
            }
            try db.execute(
                sql: """
                    UPDATE runs SET requests = ?, retries = ?, rate_limited = ?, updated_at = ?,
                        ended_at = CASE WHEN ? IS NULL THEN NULL ELSE ? END, outcome = ? WHERE id = ?
                    """, arguments: [counters.requests, counters.retries, counters.rateLimited, now, outcome, now, outcome, run])
        }
    }

    /// Records the run's open reservations and its spend of unknown fate, before a request
    /// is sent and after it ends: a run killed at any moment leaves what it may have spent.
    public func recordSpend(run: Int64, open: Money, held: Money) throws(StateError) {
        try write { db in
            try db.execute(
                sql: "UPDATE runs SET open_picodollars = ?, held_picodollars = ? WHERE id = ?",
                arguments: [open.picodollars, held.picodollars, run])
        }
    }

    func writeBatches(_ body: @Sendable (Database) throws -> Void) throws(StateError) {
        try write(body)
    }

    func readBatches<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws(StateError) -> T {
        do {
            return try queue.read(body)
        } catch {
            throw .readFailed(path: path, what: "job ledger", reason: "\(error)")
        }
    }

    func write(_ body: @Sendable (Database) throws -> Void) throws(StateError) {
        do {
            try queue.write(body)
        } catch {
            throw .writeFailed(path: path, what: "job ledger", reason: "\(error)")
        }
    }
}

import Foundation
import GRDB
import GRDBSQLite

/// The response cache: one SQLite file (WAL) shared by every job, one entry per row.
///
/// An entry holds what a record needs to be written again without a request: the output and
/// finish reason as JSON, the row's share of the usage, the model, the time, and which job
/// row paid for it (so a resumed job can tell its own unrecorded answers from other jobs').
/// Errors are never stored.
public final class ResponseCache: Sendable {
    /// One answer to store.
    public struct Entry: Sendable {
        public var key: ResponseCacheKey
        /// Stored as the record's `output` and `finish_reason` JSON.
        public var answer: Answer
        public var usage: TokenUsage
        public var paidBy: CachePayer?

        public init(key: ResponseCacheKey, answer: Answer, usage: TokenUsage, paidBy: CachePayer?) {
            self.key = key
            self.answer = answer
            self.usage = usage
            self.paidBy = paidBy
        }
    }

    /// A found entry, valid only inside the lookup's callback: its bytes are SQLite's own,
    /// read without a copy.
    public struct Hit {
        public var output: UnsafeRawBufferPointer
        public var finishReason: UnsafeRawBufferPointer
        public var usage: TokenUsage
        /// 24 bytes, or empty when no job row is recorded as the payer.
        public var paidBy: UnsafeRawBufferPointer

        /// For other stores (`PostgresAnswerStore`): the bytes stay theirs, valid during the call.
        public init(output: UnsafeRawBufferPointer, finishReason: UnsafeRawBufferPointer, usage: TokenUsage, paidBy: UnsafeRawBufferPointer) {
            self.output = output
            self.finishReason = finishReason
            self.usage = usage
            self.paidBy = paidBy
        }
    }

    /// What `cache stats` prints.
    public struct Statistics: Sendable {
        public struct Model: Sendable {
            public var model: String
            public var entries: Int
            public var bytes: Int
        }

        public var entries: Int
        /// The size of the database on disk, WAL included.
        public var fileBytes: Int
        public var models: [Model]
        public var oldest: Date?
        public var newest: Date?
    }

    public let path: String
    private let pool: DatabasePool

    /// `$XDG_CACHE_HOME/promptmill/responses.sqlite`, or `~/.cache/promptmill/responses.sqlite`.
    public static func defaultPath(environment: [String: String]) -> String {
        let base: String
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            base = xdg
        } else {
            base = (environment["HOME"] ?? NSHomeDirectory()) + "/.cache"
        }
        return base + "/promptmill/responses.sqlite"
    }

    /// Opens the cache, creating it (and its folder, 0700) readable by the user alone.
    public init(path: String) throws(StateError) {
        self.path = path
        do {
            try PrivateFile.prepare(path)
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            configuration.maximumReaderCount = 2
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                try db.execute(sql: "PRAGMA cache_size = -16000")
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrateSharedFile(pool)
        } catch let error as StateError {
            throw error
        } catch {
            throw .cannotOpen(path: path, what: "response cache", reason: "\(error)")
        }
    }

    /// The cache's schema as named migrations, applied in order and recorded in the file's
    /// `grdb_migrations` table. A schema change is a new migration appended here; one that
    /// has shipped is never edited.
    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        // Caches of release 0.1 have the table but no `grdb_migrations`, and older ones lack
        // cached_tokens: "v1" creates what is missing and adds what a file lacks, so a new
        // file and an old one end at the same schema.
        migrator.registerMigration("v1", foreignKeyChecks: .immediate) { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS responses (
                        key BLOB PRIMARY KEY NOT NULL,
                        model TEXT NOT NULL,
                        output TEXT NOT NULL,
                        finish_reason TEXT NOT NULL,
                        prompt_tokens INTEGER NOT NULL,
                        completion_tokens INTEGER NOT NULL,
                        paid_by BLOB,
                        created_at INTEGER NOT NULL,
                        cached_tokens INTEGER NOT NULL DEFAULT 0
                    ) WITHOUT ROWID
                    """)
            // Caches written before cached prompt tokens were kept.
            if try !db.columns(in: "responses").contains(where: { $0.name == "cached_tokens" }) {
                try db.execute(sql: "ALTER TABLE responses ADD COLUMN cached_tokens INTEGER NOT NULL DEFAULT 0")
            }
        }
        // Usage that promptmill counted itself (the server sent none, issue 13) stays marked
        // when the answer is replayed. Releases before this one write 0: the server's usage.
        migrator.registerMigration("v2", foreignKeyChecks: .immediate) { db in
            try db.execute(sql: "ALTER TABLE responses ADD COLUMN usage_counted INTEGER NOT NULL DEFAULT 0")
        }
        // The usage details of today's models (issue 14): prompt tokens written to the prompt
        // cache, completion tokens spent reasoning. Entries stored before have 0 of each.
        migrator.registerMigration("v3", foreignKeyChecks: .immediate) { db in
            try db.execute(sql: "ALTER TABLE responses ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0")
            try db.execute(sql: "ALTER TABLE responses ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0")
        }
        // The way each answer was served and is priced (issue 15): batch, flex, default,
        // priority. Entries stored before were live answers at the standard tier.
        migrator.registerMigration("v4", foreignKeyChecks: .immediate) { db in
            try db.execute(sql: "ALTER TABLE responses ADD COLUMN service_tier TEXT NOT NULL DEFAULT 'default'")
        }
        return migrator
    }

    /// Stores answers in one transaction; an existing entry for the same key is replaced.
    public func store(_ entries: [Entry], model: String) async throws(StateError) {
        guard !entries.isEmpty else { return }
        let now = Int64(Date().timeIntervalSince1970)
        do {
            try await pool.write { db in
                let statement = try db.cachedStatement(
                    sql: """
                        INSERT OR REPLACE INTO responses
                            (key, model, output, finish_reason, prompt_tokens, completion_tokens, paid_by, created_at, cached_tokens,
                             usage_counted, cache_write_tokens, reasoning_tokens, service_tier)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                var output = JSONWriter(capacity: 256)
                var finishReason = JSONWriter(capacity: 32)
                for entry in entries {
                    output.removeAll()
                    finishReason.removeAll()
                    entry.answer.writeOutput(into: &output)
                    entry.answer.writeFinishReason(into: &finishReason)
                    try statement.execute(arguments: [
                        Data(entry.key.digest), model, String(decoding: output.bytes, as: UTF8.self),
                        String(decoding: finishReason.bytes, as: UTF8.self),
                        entry.usage.promptTokens, entry.usage.completionTokens, entry.paidBy.map { Data($0.bytes) }, now,
                        entry.usage.cachedPromptTokens, entry.usage.counted, entry.usage.cacheWriteTokens, entry.usage.reasoningTokens,
                        entry.usage.tier.rawValue,
                    ])
                }
            }
        } catch {
            throw .writeFailed(path: path, what: "response cache", reason: "\(error)")
        }
    }

    /// Looks up every key in one read transaction; `found` is called with each key's index
    /// and its entry, in order, for the keys that have one.
    public func lookUp(_ keys: [ResponseCacheKey], _ found: (Int, Hit) -> Void) throws(StateError) {
        guard !keys.isEmpty else { return }
        do {
            try pool.read { db in
                let statement = try db.cachedStatement(
                    sql: """
                        SELECT output, finish_reason, prompt_tokens, completion_tokens, paid_by, cached_tokens, usage_counted,
                            cache_write_tokens, reasoning_tokens, service_tier
                        FROM responses WHERE key = ?
                        """)
                let handle = statement.sqliteStatement
                for (index, key) in keys.enumerated() {
                    let hit: Hit? = try key.withUnsafeBytes { digest in
                        sqlite3_reset(handle)
                        sqlite3_bind_blob(handle, 1, digest.baseAddress, Int32(digest.count), nil)
                        let status = sqlite3_step(handle)
                        if status == SQLITE_DONE { return nil }
                        guard status == SQLITE_ROW else { throw DatabaseError(resultCode: ResultCode(rawValue: status)) }
                        return Hit(
                            output: Self.column(handle, 0), finishReason: Self.column(handle, 1),
                            usage: TokenUsage(
                                promptTokens: Int(sqlite3_column_int64(handle, 2)),
                                completionTokens: Int(sqlite3_column_int64(handle, 3)),
                                cachedPromptTokens: Int(sqlite3_column_int64(handle, 5)),
                                cacheWriteTokens: Int(sqlite3_column_int64(handle, 7)),
                                reasoningTokens: Int(sqlite3_column_int64(handle, 8)),
                                counted: sqlite3_column_int64(handle, 6) != 0,
                                tier: Self.tier(Self.column(handle, 9))),
                            paidBy: Self.column(handle, 4))
                    }
                    if let hit { found(index, hit) }
                }
                sqlite3_reset(handle)
                sqlite3_clear_bindings(handle)
            }
        } catch {
            throw .readFailed(path: path, what: "response cache", reason: "\(error)")
        }
    }

    /// Every answer `generation` paid for, with the row that paid: what a run that was
    /// killed spent beyond its records. Reads the whole cache.
    public func answersPaid(by generation: JobGeneration) throws(StateError) -> [(row: Int, model: String, usage: TokenUsage)] {
        do {
            return try pool.read { db in
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT paid_by, prompt_tokens, completion_tokens, cached_tokens, model, usage_counted, cache_write_tokens,
                            reasoning_tokens, service_tier
                        FROM responses WHERE length(paid_by) = 24 AND substr(paid_by, 1, 16) = ?
                        """, arguments: [Data(generation.bytes)])
                var answers: [(row: Int, model: String, usage: TokenUsage)] = []
                while let row = try rows.next() {
                    let payer: Data = row[0]
                    let number = payer.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                    let usage = TokenUsage(
                        promptTokens: row[1], completionTokens: row[2], cachedPromptTokens: row[3], cacheWriteTokens: row[6],
                        reasoningTokens: row[7], counted: row[5], tier: ServiceTier(served: row[8]))
                    answers.append((Int(number), row[4], usage))
                }
                return answers
            }
        } catch {
            throw .readFailed(path: path, what: "response cache", reason: "\(error)")
        }
    }

    private static func tier(_ bytes: UnsafeRawBufferPointer) -> ServiceTier {
        ServiceTier(served: String(decoding: bytes, as: UTF8.self))
    }

    private static func column(_ handle: OpaquePointer?, _ index: Int32) -> UnsafeRawBufferPointer {
        // Text and blob pointers stay valid until the next step or reset.
        guard let bytes = sqlite3_column_blob(handle, index) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, index)))
    }

    public func statistics() throws(StateError) -> Statistics {
        do {
            return try pool.read { db in
                var models: [Statistics.Model] = []
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT model, count(*), sum(length(key) + length(output) + length(finish_reason) + 24)
                        FROM responses GROUP BY model ORDER BY count(*) DESC, model
                        """)
                for row in rows {
                    models.append(Statistics.Model(model: row[0], entries: row[1], bytes: row[2]))
                }
                let range = try Row.fetchOne(db, sql: "SELECT min(created_at), max(created_at) FROM responses")
                let oldest: Int64? = range?[0]
                let newest: Int64? = range?[1]
                return Statistics(
                    entries: models.reduce(0) { $0 + $1.entries }, fileBytes: Self.fileBytes(path), models: models,
                    oldest: oldest.map { Date(timeIntervalSince1970: TimeInterval($0)) },
                    newest: newest.map { Date(timeIntervalSince1970: TimeInterval($0)) })
            }
        } catch {
            throw .readFailed(path: path, what: "response cache", reason: "\(error)")
        }
    }

    /// Removes entries stored before `date`; returns how many. The file shrinks when the
    /// removed part is large.
    public func prune(olderThan date: Date) throws(StateError) -> Int {
        do {
            let removed = try pool.write { db in
                try db.execute(sql: "DELETE FROM responses WHERE created_at < ?", arguments: [Int64(date.timeIntervalSince1970)])
                return db.changesCount
            }
            if removed > 0 { try pool.vacuum() }
            return removed
        } catch {
            throw .writeFailed(path: path, what: "response cache", reason: "\(error)")
        }
    }

    /// Removes every entry; returns how many there were.
    public func clear() throws(StateError) -> Int {
        do {
            let removed = try pool.write { db in
                try db.execute(sql: "DELETE FROM responses")
                return db.changesCount
            }
            try pool.vacuum()
            return removed
        } catch {
            throw .writeFailed(path: path, what: "response cache", reason: "\(error)")
        }
    }

    static func fileBytes(_ path: String) -> Int {
        [path, path + "-wal"].reduce(0) { total, file in
            total + ((try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0)
        }
    }
}

/// The job row that paid for an answer: the job's generation (16 bytes) and the row number.
public struct CachePayer: Sendable, Equatable {
    public var bytes: [UInt8]

    public init(generation: JobGeneration, row: Int) {
        var bytes = generation.bytes
        withUnsafeBytes(of: UInt64(row).bigEndian) { bytes.append(contentsOf: $0) }
        self.bytes = bytes
    }
}

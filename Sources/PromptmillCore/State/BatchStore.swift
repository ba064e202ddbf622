import Foundation
import GRDB

/// One Batch API batch of a job, as the job store keeps it: every id goes in before the
/// next step depends on it, so a kill at any moment leaves enough to find the batch again
/// (`BatchQueue`).
public struct BatchRecord: Sendable, Equatable {
    /// promptmill's own id, made before anything is uploaded; sent as the batch's
    /// `metadata.promptmill_batch`, so a batch created but not recorded is found again.
    public var localID: String
    public var step: Int
    /// Lines (requests) and their prompt tokens (what the account's enqueued-token limit
    /// counts).
    public var lines: Int
    public var tokens: Int
    /// The JSONL file of its request lines, in the state folder (0600), until collected.
    public var path: String
    public var inputFileID: String?
    public var batchID: String?
    /// `preparing` until created, then the API's status.
    public var status: String = "preparing"
    public var outputFileID: String?
    public var errorFileID: String?
    public var completed = 0
    public var failed = 0
    public var createdAt: Double
    /// Its lines were read and settled (or sent again): nothing more to do with it.
    public var collected = false

    public init(localID: String, step: Int, lines: Int, tokens: Int, path: String, createdAt: Double) {
        self.localID = localID
        self.step = step
        self.lines = lines
        self.tokens = tokens
        self.path = path
        self.createdAt = createdAt
    }
}

/// Where a job's batches are recorded: the job store's batch half (today the SQLite
/// ledger; PostgreSQL next).
public protocol BatchStore: Sendable {
    /// Records a new batch and its lines' `custom_id`s in one transaction.
    func recordBatch(_ batch: BatchRecord, customIDs: [String]) throws(StateError)
    func updateBatch(_ batch: BatchRecord) throws(StateError)
    /// Every batch of the job, oldest first.
    func batches() throws(StateError) -> [BatchRecord]
    func customIDs(ofBatch localID: String) throws(StateError) -> [String]
}

extension JobLedger: BatchStore {
    /// "v4": the job's Batch API batches and their lines (issue 15).
    static func createBatchTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE batches (
                    local_id TEXT PRIMARY KEY,
                    step INTEGER NOT NULL,
                    lines INTEGER NOT NULL,
                    tokens INTEGER NOT NULL,
                    path TEXT NOT NULL,
                    input_file_id TEXT,
                    batch_id TEXT,
                    status TEXT NOT NULL,
                    output_file_id TEXT,
                    error_file_id TEXT,
                    completed INTEGER NOT NULL DEFAULT 0,
                    failed INTEGER NOT NULL DEFAULT 0,
                    created_at REAL NOT NULL,
                    collected INTEGER NOT NULL DEFAULT 0
                );
                ALTER TABLE segments ADD COLUMN tiers TEXT;
                CREATE TABLE batch_lines (
                    custom_id TEXT NOT NULL,
                    local_id TEXT NOT NULL REFERENCES batches(local_id) ON DELETE CASCADE,
                    PRIMARY KEY (local_id, custom_id)
                );
                """)
    }

    public func recordBatch(_ batch: BatchRecord, customIDs: [String]) throws(StateError) {
        try writeBatches { db in
            try db.execute(
                sql: """
                    INSERT INTO batches (local_id, step, lines, tokens, path, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [batch.localID, batch.step, batch.lines, batch.tokens, batch.path, batch.status, batch.createdAt])
            let statement = try db.makeStatement(sql: "INSERT OR IGNORE INTO batch_lines (custom_id, local_id) VALUES (?, ?)")
            for id in customIDs { try statement.execute(arguments: [id, batch.localID]) }
        }
        try updateBatch(batch)
    }

    public func updateBatch(_ batch: BatchRecord) throws(StateError) {
        try writeBatches { db in
            try db.execute(
                sql: """
                    UPDATE batches SET input_file_id = ?, batch_id = ?, status = ?, output_file_id = ?, error_file_id = ?,
                        completed = ?, failed = ?, collected = ?, lines = ?, tokens = ? WHERE local_id = ?
                    """,
                arguments: [
                    batch.inputFileID, batch.batchID, batch.status, batch.outputFileID, batch.errorFileID, batch.completed, batch.failed,
                    batch.collected, batch.lines, batch.tokens, batch.localID,
                ])
        }
    }

    public func batches() throws(StateError) -> [BatchRecord] {
        try readBatches { db in
            guard try db.tableExists("batches") else { return [] }
            return try Row.fetchAll(db, sql: "SELECT * FROM batches ORDER BY created_at, local_id").map { row in
                var batch = BatchRecord(
                    localID: row["local_id"], step: row["step"], lines: row["lines"], tokens: row["tokens"], path: row["path"],
                    createdAt: row["created_at"])
                batch.inputFileID = row["input_file_id"]
                batch.batchID = row["batch_id"]
                batch.status = row["status"]
                batch.outputFileID = row["output_file_id"]
                batch.errorFileID = row["error_file_id"]
                batch.completed = row["completed"]
                batch.failed = row["failed"]
                batch.collected = row["collected"]
                return batch
            }
        }
    }

    public func customIDs(ofBatch localID: String) throws(StateError) -> [String] {
        try readBatches { db in
            try String.fetchAll(db, sql: "SELECT custom_id FROM batch_lines WHERE local_id = ?", arguments: [localID])
        }
    }
}

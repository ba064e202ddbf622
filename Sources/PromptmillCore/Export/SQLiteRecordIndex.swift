import Foundation
import GRDBSQLite

/// The output's records by id, in a temporary SQLite file, so that rows read in input order
/// find their records (written in completion order) in constant memory: SQLite keeps at
/// most `cacheKilobytes` of pages in memory, and the rest on disk.
///
/// The records are appended in file order, then indexed by id once (SQLite sorts on disk).
/// Each record is taken once: a second input row with the same id gets none. The file is
/// created 0600 (it holds the job's answers) and deleted by `close()`.
final class SQLiteRecordIndex {
    /// What `take(id:)` found.
    enum Lookup {
        /// The record's line, first time asked.
        case record([UInt8])
        /// An earlier input row with this id took the record.
        case taken
        case missing
    }

    let path: String
    private var database: OpaquePointer?
    private var insertRecord: OpaquePointer?
    private var insertReject: OpaquePointer?
    private var takeRecord: OpaquePointer?
    private var findRecord: OpaquePointer?
    private var findReject: OpaquePointer?
    private(set) var rejectCount = 0
    private var removed = false
    private static let cacheKilobytes = 32 << 10

    /// Creates the index file in `directory`. Throws `ExportError.index` when it cannot.
    init(directory: String) throws(ExportError) {
        path = (directory as NSString).appendingPathComponent(".promptmill-export-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sqlite")
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else { throw .index(path: path, reason: String(cString: strerror(errno))) }
        SystemCalls.close(descriptor)
        do throws(ExportError) {
            guard sqlite3_open_v2(path, &database, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK else { throw failure() }
            try execute(
                """
                PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;
                PRAGMA temp_store = FILE; PRAGMA cache_size = -\(Self.cacheKilobytes);
                CREATE TABLE records (id TEXT NOT NULL, line BLOB NOT NULL, taken INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE rejects (line INTEGER PRIMARY KEY, message TEXT NOT NULL);
                BEGIN;
                """)
            insertRecord = try prepare("INSERT INTO records (id, line) VALUES (?1, ?2)")
            insertReject = try prepare("INSERT OR IGNORE INTO rejects (line, message) VALUES (?1, ?2)")
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
    }

    /// Adds a record (`line`: its JSON text) under its id.
    func add(id: String, line: UnsafeBufferPointer<UInt8>) throws(ExportError) {
        var id = id
        let status = id.withUTF8 { text in
            sqlite3_bind_text(insertRecord, 1, text.baseAddress, Int32(text.count), nil)
            sqlite3_bind_blob(insertRecord, 2, line.baseAddress, Int32(line.count), nil)
            return sqlite3_step(insertRecord)
        }
        sqlite3_reset(insertRecord)
        guard status == SQLITE_DONE else { throw failure() }
    }

    /// Adds a rejected input row: its line and what to say about it. A line given twice
    /// keeps its first message.
    func addReject(line: Int, message: String) throws(ExportError) {
        sqlite3_bind_int64(insertReject, 1, Int64(line))
        var message = message
        let status = message.withUTF8 { text in
            sqlite3_bind_text(insertReject, 2, text.baseAddress, Int32(text.count), nil)
            return sqlite3_step(insertReject)
        }
        sqlite3_reset(insertReject)
        guard status == SQLITE_DONE else { throw failure() }
        if sqlite3_changes(database) > 0 { rejectCount += 1 }
    }

    /// Ends loading: commits and indexes the records by id.
    func finishLoading() throws(ExportError) {
        try execute("COMMIT; CREATE INDEX records_by_id ON records (id); BEGIN;")
        takeRecord = try prepare(
            "UPDATE records SET taken = 1 WHERE rowid = (SELECT rowid FROM records WHERE id = ?1 AND taken = 0 LIMIT 1) RETURNING line")
        findRecord = try prepare("SELECT 1 FROM records WHERE id = ?1 LIMIT 1")
        findReject = try prepare("SELECT message FROM rejects WHERE line = ?1")
    }

    /// The record with this id, unless an earlier call took it.
    func take(id: String) throws(ExportError) -> Lookup {
        var id = id
        let lookup: Lookup? = id.withUTF8 { text in
            sqlite3_bind_text(takeRecord, 1, text.baseAddress, Int32(text.count), nil)
            defer { sqlite3_reset(takeRecord) }
            switch sqlite3_step(takeRecord) {
            case SQLITE_ROW:
                let count = Int(sqlite3_column_bytes(takeRecord, 0))
                guard count > 0, let bytes = sqlite3_column_blob(takeRecord, 0) else { return .record([]) }
                return .record(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
            case SQLITE_DONE:
                sqlite3_bind_text(findRecord, 1, text.baseAddress, Int32(text.count), nil)
                defer { sqlite3_reset(findRecord) }
                switch sqlite3_step(findRecord) {
                case SQLITE_ROW: return .taken
                case SQLITE_DONE: return .missing
                default: return nil
                }
            default:
                return nil
            }
        }
        guard let lookup else { throw failure() }
        return lookup
    }

    /// The message of a rejected row starting on `line`, if the rejects name one.
    func reject(line: Int) throws(ExportError) -> String? {
        guard rejectCount > 0 else { return nil }
        sqlite3_bind_int64(findReject, 1, Int64(line))
        defer { sqlite3_reset(findReject) }
        switch sqlite3_step(findReject) {
        case SQLITE_ROW: return sqlite3_column_text(findReject, 0).map { String(cString: $0) }
        case SQLITE_DONE: return nil
        default: throw failure()
        }
    }

    /// Records no call to `take` took: records whose id no input row has.
    func untakenCount() throws(ExportError) -> Int {
        let statement = try prepare("SELECT count(*) FROM records WHERE taken = 0")
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW else { throw failure() }
        return Int(sqlite3_column_int64(statement, 0))
    }

    /// Closes and deletes the file.
    func close() {
        for statement in [insertRecord, insertReject, takeRecord, findRecord, findReject] { sqlite3_finalize(statement) }
        (insertRecord, insertReject, takeRecord, findRecord, findReject) = (nil, nil, nil, nil, nil)
        if let database {
            sqlite3_close_v2(database)
            self.database = nil
        }
        if !removed {
            removed = true
            unlink(path)
        }
    }

    private func execute(_ sql: String) throws(ExportError) {
        guard sqlite3_exec(database, sql, nil, nil, nil) == SQLITE_OK else { throw failure() }
    }

    private func prepare(_ sql: String) throws(ExportError) -> OpaquePointer? {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(database, sql, -1, &statement, nil) == SQLITE_OK else { throw failure() }
        return statement
    }

    private func failure() -> ExportError {
        .index(path: path, reason: database.map { String(cString: sqlite3_errmsg($0)) } ?? "SQLite could not open it")
    }
}

import Foundation
import GRDB

/// A job's timeline in its ledger: each run's samples (`timeline`) and slowest requests
/// (`slow_requests`) as JSON of the shared types, keyed by the run's row in `runs`. A run
/// forgotten (`--fresh`, a new generation) takes its timeline with it.
extension JobLedger: TimelineStore {
    /// "v5".
    static func createTimelineTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE timeline (
                    run INTEGER NOT NULL,
                    start REAL NOT NULL,
                    sample_json TEXT NOT NULL,
                    PRIMARY KEY (run, start)
                );
                CREATE TABLE slow_requests (
                    run INTEGER NOT NULL,
                    rank INTEGER NOT NULL,
                    json TEXT NOT NULL,
                    PRIMARY KEY (run, rank)
                );
                CREATE TRIGGER runs_take_their_timeline AFTER DELETE ON runs BEGIN
                    DELETE FROM timeline WHERE run = OLD.id;
                    DELETE FROM slow_requests WHERE run = OLD.id;
                END;
                """)
    }

    /// A sample replaces the run's samples it covers: a merged pair comes back as one.
    public func appendTimeline(_ samples: [TimelineSample], run: Int64) throws(StateError) {
        let rows = try encoded(samples)
        try write { db in
            for (sample, json) in zip(samples, rows) {
                // A thousandth of a second below each edge: starts are sums of seconds, so
                // an edge may differ from the next start in its last bit.
                try db.execute(
                    sql: "DELETE FROM timeline WHERE run = ? AND start > ? AND start < ?",
                    arguments: [run, sample.start - 0.001, sample.start + sample.seconds - 0.001])
                try db.execute(
                    sql: "INSERT INTO timeline (run, start, sample_json) VALUES (?, ?, ?)", arguments: [run, sample.start, json])
            }
        }
    }

    public func timeline() throws(StateError) -> [(run: Int64, sample: TimelineSample)] {
        let rows = try read { db in
            try Row.fetchAll(db, sql: "SELECT run, sample_json FROM timeline ORDER BY run, start").map { row in
                (run: row[0] as Int64, json: row[1] as String)
            }
        }
        return try rows.map { row throws(StateError) in (run: row.run, sample: try decoded(TimelineSample.self, row.json)) }
    }

    public func recordSlowRequests(_ requests: [SlowRequest], run: Int64) throws(StateError) {
        let rows = try encoded(requests)
        try write { db in
            try db.execute(sql: "DELETE FROM slow_requests WHERE run = ?", arguments: [run])
            for (rank, json) in rows.enumerated() {
                try db.execute(sql: "INSERT INTO slow_requests (run, rank, json) VALUES (?, ?, ?)", arguments: [run, rank, json])
            }
        }
    }

    public func slowRequests(limit: Int) throws(StateError) -> [SlowRequest] {
        let rows = try read { db in try String.fetchAll(db, sql: "SELECT json FROM slow_requests") }
        let requests = try rows.map { json throws(StateError) in try decoded(SlowRequest.self, json) }
        return Array(requests.sorted { $0.latencyMs > $1.latencyMs }.prefix(limit))
    }

    private func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws(StateError) -> T {
        try readBatches(body)
    }

    private func encoded<T: Encodable>(_ values: [T]) throws(StateError) -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        do {
            return try values.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        } catch {
            throw .writeFailed(path: path, what: "job ledger", reason: "cannot encode the timeline: \(error)")
        }
    }

    private func decoded<T: Decodable>(_ type: T.Type, _ json: String) throws(StateError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(json.utf8))
        } catch {
            throw .readFailed(path: path, what: "job ledger", reason: "a timeline entry is not readable: \(error)")
        }
    }
}

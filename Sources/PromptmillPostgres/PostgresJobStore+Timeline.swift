import Foundation
import PostgresNIO
import PromptmillCore

extension PostgresSchema {
    /// Each worker run's timeline and slowest requests (issue 17), for `promptmill report`:
    /// `JobLedger`'s "v5" twin, as JSON of `TimelineSample` and `SlowRequest`, keyed by the
    /// run's row in `runs` and gone with it (a new generation deletes the job's runs).
    static let timelineTables = PostgresMigration(
        "timeline",
        """
        CREATE TABLE timeline (
            run BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            start DOUBLE PRECISION NOT NULL,
            sample_json TEXT NOT NULL,
            PRIMARY KEY (run, start)
        )
        """,
        """
        CREATE TABLE slow_requests (
            run BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            rank INTEGER NOT NULL,
            json TEXT NOT NULL,
            PRIMARY KEY (run, rank)
        )
        """)
}

/// A shared job's timeline: every worker run keeps its own samples, and the report adds up
/// the runs that overlap in time (`ReportTimeline`).
extension PostgresJobStore: TimelineStore {
    /// A sample replaces the run's samples it covers: a merged pair comes back as one.
    public func appendTimeline(_ samples: [TimelineSample], run: Int64) throws(StateError) {
        let rows = try encoded(samples)
        try database.transaction(action: "recording run \(run)'s timeline") { transaction throws(StateError) in
            for (sample, json) in zip(samples, rows) {
                // A thousandth of a second below each edge, as in `JobLedger`.
                try transaction.execute(
                    "DELETE FROM timeline WHERE run = \(run) AND start > \(sample.start - 0.001) AND start < \(sample.start + sample.seconds - 0.001)",
                    action: "recording run \(run)'s timeline")
                try transaction.execute(
                    "INSERT INTO timeline (run, start, sample_json) VALUES (\(run), \(sample.start), \(json))",
                    action: "recording run \(run)'s timeline")
            }
        }
    }

    public func timeline() throws(StateError) -> [(run: Int64, sample: TimelineSample)] {
        let action = "reading job '\(jobName)''s timeline"
        let rows = try database.query(
            """
            SELECT timeline.run, timeline.sample_json FROM timeline JOIN runs ON runs.id = timeline.run
            WHERE runs.job = \(jobName) ORDER BY timeline.run, timeline.start
            """, action: action)
        var result: [(run: Int64, sample: TimelineSample)] = []
        result.reserveCapacity(rows.count)
        for row in rows {
            let (run, json) = try database.decoding(action) { try row.decode((Int64, String).self) }
            result.append((run, try decoded(TimelineSample.self, json, action: action)))
        }
        return result
    }

    public func recordSlowRequests(_ requests: [SlowRequest], run: Int64) throws(StateError) {
        let rows = try encoded(requests)
        try database.transaction(action: "recording run \(run)'s slowest requests") { transaction throws(StateError) in
            try transaction.execute("DELETE FROM slow_requests WHERE run = \(run)", action: "recording run \(run)'s slowest requests")
            for (rank, json) in rows.enumerated() {
                try transaction.execute(
                    "INSERT INTO slow_requests (run, rank, json) VALUES (\(run), \(rank), \(json))",
                    action: "recording run \(run)'s slowest requests")
            }
        }
    }

    public func slowRequests(limit: Int) throws(StateError) -> [SlowRequest] {
        let action = "reading job '\(jobName)''s slowest requests"
        let rows = try database.query(
            "SELECT slow_requests.json FROM slow_requests JOIN runs ON runs.id = slow_requests.run WHERE runs.job = \(jobName)",
            action: action)
        var requests: [SlowRequest] = []
        for row in rows {
            let json = try database.decoding(action) { try row.decode(String.self) }
            requests.append(try decoded(SlowRequest.self, json, action: action))
        }
        return Array(requests.sorted { $0.latencyMs > $1.latencyMs }.prefix(limit))
    }

    private func encoded<T: Encodable>(_ values: [T]) throws(StateError) -> [String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        do {
            return try values.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
        } catch {
            throw database.failure(error, action: "encoding job '\(jobName)''s timeline")
        }
    }

    private func decoded<T: Decodable>(_ type: T.Type, _ json: String, action: String) throws(StateError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(json.utf8))
        } catch {
            throw database.failure(error, action: action)
        }
    }
}

import Foundation
import PromptmillCore
import PromptmillPostgres

/// The test server: `PROMPTMILL_TEST_DATABASE_URL`, which `scripts/test` sets after starting
/// a private PostgreSQL (`scripts/postgres`). Each test works in a schema of its own with a
/// random name, dropped when the test ends (passed or failed), so tests run in parallel in
/// one database and leave nothing behind.
///
/// Without the variable a test fails, never skips: a skipped test is a check that cannot fail.
enum TestDatabase {
    static let variable = "PROMPTMILL_TEST_DATABASE_URL"

    struct Missing: Error, CustomStringConvertible {
        var description: String {
            "\(TestDatabase.variable) is not set: run the tests with scripts/test (it starts a private PostgreSQL), "
                + "or run scripts/postgres start and export \(TestDatabase.variable)=$(scripts/postgres url)"
        }
    }

    /// The server's URL, without a schema.
    static func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment[variable], !url.isEmpty else { throw Missing() }
        return url
    }

    /// A new schema name: `test_` and 16 random hex digits.
    static func newSchema() -> String {
        "test_" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    /// Runs `body` with a database in a new schema, and drops the schema afterwards.
    static func with<Result>(_ body: (PostgresDatabase) async throws -> Result) async throws -> Result {
        let schema = newSchema()
        let database = try PostgresDatabase(url: try url(), schema: schema)
        defer {
            _ = try? database.execute("DROP SCHEMA IF EXISTS \(unescaped: schema) CASCADE")
            database.close()
        }
        return try await body(database)
    }

    /// Runs `body` with a fresh schema's name, which it may open several databases on, and
    /// drops the schema afterwards.
    static func withSchema<Result>(_ body: (String) async throws -> Result) async throws -> Result {
        let schema = newSchema()
        let url = try url()
        defer {
            if let database = try? PostgresDatabase(url: url) {
                _ = try? database.execute("DROP SCHEMA IF EXISTS \(unescaped: schema) CASCADE")
                database.close()
            }
        }
        return try await body(schema)
    }
}

/// Runs `body` where no `await` is possible, so a database's synchronous methods are the ones
/// called (in async code, the async overloads are).
func synchronously<Result>(_ body: () throws -> Result) rethrows -> Result {
    try body()
}

/// What `error` says, for comparing word for word.
func message(_ error: StateError?) -> String {
    error.map(\.description) ?? "no error"
}

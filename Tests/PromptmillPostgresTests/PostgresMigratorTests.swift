import Foundation
import PromptmillCore
import PromptmillPostgres
import Testing

@Suite struct PostgresMigratorTests {
    /// Migrations whose second run would fail: `CREATE TABLE` without `IF NOT EXISTS`, and a
    /// pause that keeps the first migrator inside its transaction while the others arrive.
    static let migrations = [
        PostgresMigration("one", "CREATE TABLE one (n BIGINT)", "SELECT pg_sleep(0.3)"),
        PostgresMigration("two", "CREATE TABLE two (n BIGINT)", "INSERT INTO two VALUES (1)"),
    ]

    /// Workers that start at the same moment migrate exactly once: the others wait on the
    /// advisory lock and then find everything recorded.
    @Test func migratesOnceWhenWorkersStartTogether() async throws {
        try await TestDatabase.withSchema { schema in
            let url = try TestDatabase.url()
            let databases = try (0..<3).map { _ in try PostgresDatabase(url: url, schema: schema) }
            defer { for database in databases { database.close() } }
            let applied = try await withThrowingTaskGroup(of: [String].self) { group in
                for database in databases {
                    group.addTask { try PostgresMigrator(Self.migrations).migrate(database) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(applied.sorted { $0.count > $1.count } == [["one", "two"], [], []])
            try synchronously { () throws in
                let recorded = try databases[0].query("SELECT name FROM promptmill_migrations ORDER BY applied_at, name")
                #expect(try recorded.map { try $0.decode(String.self) } == ["one", "two"])
                #expect(try databases[1].query("SELECT n FROM two").map { try $0.decode(Int.self) } == [1])
            }
        }
    }

    /// A later run applies only the migrations appended since.
    @Test func appliesOnlyNewMigrations() async throws {
        try await TestDatabase.with { database in
            try synchronously { () throws in
                #expect(try PostgresMigrator(Array(Self.migrations.prefix(1))).migrate(database) == ["one"])
                #expect(try PostgresMigrator(Self.migrations).migrate(database) == ["two"])
                #expect(try PostgresMigrator(Self.migrations).migrate(database) == [])
            }
        }
    }

    /// A failing migration leaves nothing behind: its whole run rolls back.
    @Test func failedMigrationRollsBackTheRun() async throws {
        try await TestDatabase.with { database in
            try synchronously { () throws in
                let broken = Self.migrations + [PostgresMigration("three", "CREATE TABLE three (n NOTATYPE)")]
                let error = #expect(throws: StateError.self) { try PostgresMigrator(broken).migrate(database) }
                #expect(
                    message(error)
                        == "PostgreSQL \(database.url): applying migration 'three' failed: type \"notatype\" does not exist (SQLSTATE 42704)")
                let tables = try database.query("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
                #expect(try tables.first!.decode(Int.self) == 0)
            }
        }
    }

    /// A database migrated by a newer promptmill is refused rather than used half understood.
    @Test func refusesADatabaseANewerVersionMigrated() async throws {
        try await TestDatabase.with { database in
            try synchronously { () throws in
                try PostgresMigrator(Self.migrations).migrate(database)
                let error = #expect(throws: StateError.self) {
                    try PostgresMigrator(Array(Self.migrations.prefix(1))).migrate(database)
                }
                #expect(
                    message(error)
                        == "PostgreSQL \(database.url): migrating the schema failed: the database has migration 'two', "
                        + "which this promptmill does not know: a newer one migrated it — run the newest promptmill on every worker")
            }
        }
    }

    /// promptmill's own schema applies to an empty database.
    @Test func promptmillSchemaApplies() async throws {
        try await TestDatabase.with { database in
            try synchronously { () throws in
                let applied = try PostgresMigrator(PostgresSchema.migrations).migrate(database)
                #expect(applied == PostgresSchema.migrations.map(\.name))
            }
        }
    }
}

import PostgresNIO
import PromptmillCore

/// Brings a database's schema up to date: applies, in order, the migrations it has not
/// recorded in `promptmill_migrations`.
///
/// Everything happens in one transaction that first takes a transaction-level advisory lock
/// (a constant key and the schema's name): workers starting at the same moment queue on it,
/// the first one migrates and commits, the others then find every migration recorded and do
/// nothing. A migration that fails rolls back the whole run, so a database is never left
/// half migrated.
public struct PostgresMigrator: Sendable {
    /// The advisory lock's first key: "pmil" (promptmill's migrations).
    static let lockKey: Int32 = 0x706d_696c

    public var migrations: [PostgresMigration]

    public init(_ migrations: [PostgresMigration]) {
        self.migrations = migrations
    }

    /// Applies what is missing; returns the names applied now (none when up to date).
    @discardableResult
    public func migrate(_ database: PostgresDatabase) throws(StateError) -> [String] {
        try database.transaction(action: "migrating the schema") { transaction throws(StateError) in
            try transaction.execute(
                "SELECT pg_advisory_xact_lock(\(Self.lockKey), hashtext(coalesce(current_schema(), '')))",
                action: "waiting for the migration lock")
            try transaction.execute(
                """
                CREATE TABLE IF NOT EXISTS promptmill_migrations (
                    name TEXT PRIMARY KEY,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                )
                """, action: "creating promptmill_migrations")
            var recorded: Set<String> = []
            for row in try transaction.query("SELECT name FROM promptmill_migrations", action: "reading promptmill_migrations") {
                do {
                    recorded.insert(try row.decode(String.self))
                } catch {
                    throw database.failure(error, action: "reading promptmill_migrations")
                }
            }
            let known = Set(migrations.map(\.name))
            if let unknown = recorded.subtracting(known).sorted().first {
                throw .postgres(
                    server: database.url.description, action: "migrating the schema",
                    reason: "the database has migration '\(unknown)', which this promptmill does not know: a newer one migrated it",
                    advice: "run the newest promptmill on every worker")
            }
            var applied: [String] = []
            for migration in migrations where !recorded.contains(migration.name) {
                for statement in migration.statements {
                    try transaction.execute(PostgresQuery(unsafeSQL: statement), action: "applying migration '\(migration.name)'")
                }
                try transaction.execute(
                    "INSERT INTO promptmill_migrations (name) VALUES (\(migration.name))", action: "recording migration '\(migration.name)'")
                applied.append(migration.name)
            }
            return applied
        }
    }
}

/// One named step of the schema: statements run in order, inside the migrator's transaction.
/// Once shipped, a migration is never edited; a change is a new one after it.
public struct PostgresMigration: Sendable {
    /// Recorded in `promptmill_migrations`; unique.
    public var name: String
    /// One SQL statement each (postgres-nio sends one statement per message).
    public var statements: [String]

    public init(_ name: String, _ statements: String...) {
        self.name = name
        self.statements = statements
    }
}

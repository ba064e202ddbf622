import Foundation
import PromptmillCore
import PromptmillPostgres
import Testing

@Suite struct PostgresDatabaseTests {
    /// A statement runs in the database's own schema, on both the synchronous and the async path.
    @Test func queriesRunInTheSchema() async throws {
        try await TestDatabase.with { database in
            let schema = try #require(database.url.schema)
            let rows = try synchronously { try database.query("SELECT 1 + 1, current_schema()") }
            #expect(try rows.map { try $0.decode((Int, String).self) }.first! == (2, schema))
            let asyncRows = try await database.query("SELECT 40 + \(2), current_schema()")
            #expect(try asyncRows.map { try $0.decode((Int, String).self) }.first! == (42, schema))
        }
    }

    /// A transaction commits when its body returns and rolls back when it throws.
    @Test func transactionCommitsOrRollsBack() async throws {
        try await TestDatabase.with { database in
            try synchronously {
                try database.execute("CREATE TABLE t (n BIGINT)")
                let inserted = try database.transaction { transaction throws(StateError) in
                    try transaction.execute("INSERT INTO t VALUES (1), (2)")
                }
                #expect(inserted == 2)
                #expect(throws: StateError.self) {
                    try database.transaction { transaction throws(StateError) in
                        try transaction.execute("INSERT INTO t VALUES (3)")
                        try transaction.execute("INSERT INTO missing VALUES (4)")
                    }
                }
                let count = try database.query("SELECT count(*) FROM t").first!.decode(Int.self)
                #expect(count == 2)
                #expect(try database.execute("UPDATE t SET n = n + 1") == 2)
            }
        }
    }

    /// A body that swallows a failed statement does not commit half a transaction silently.
    @Test func transactionWithAFailedStatementIsAnError() async throws {
        try await TestDatabase.with { database in
            try synchronously { () throws in
                let error = #expect(throws: StateError.self) {
                    try database.transaction(action: "saving the job") { transaction throws(StateError) in
                        _ = try? transaction.execute("SELECT * FROM missing")
                    }
                }
                #expect(
                    message(error)
                        == "PostgreSQL \(database.url): saving the job failed: a statement in the transaction failed and it was rolled back")
                // The connection is usable afterwards.
                #expect(try database.query("SELECT 1").count == 1)
            }
        }
    }

    /// A connection the server dropped is opened again, on either path.
    @Test func reconnectsAfterTheServerDropsTheConnection() async throws {
        try await TestDatabase.with { database in
            let other = try PostgresDatabase(url: try TestDatabase.url())
            defer { other.close() }
            for _ in 0..<2 {
                let pid = try synchronously { try database.query("SELECT pg_backend_pid()").first!.decode(Int32.self) }
                try await other.execute("SELECT pg_terminate_backend(\(pid))")
                try await Task.sleep(for: .milliseconds(100))
                #expect(try synchronously { try database.query("SELECT 1").count } == 1)
            }
            let asyncPid = try await database.query("SELECT pg_backend_pid()").first!.decode(Int32.self)
            try await other.execute("SELECT pg_terminate_backend(\(asyncPid))")
            try await Task.sleep(for: .milliseconds(100))
            for _ in 0..<4 {
                #expect(try await database.query("SELECT 1").count == 1)
            }
        }
    }

    /// A server error names the server, the action and the server's message.
    @Test func serverErrorsNameTheStatementsAction() async throws {
        try await TestDatabase.with { database in
            let error = #expect(throws: StateError.self) {
                try synchronously { try database.query("SELECT * FROM missing", action: "reading the jobs") }
            }
            #expect(
                message(error)
                    == "PostgreSQL \(database.url): reading the jobs failed: relation \"missing\" does not exist (SQLSTATE 42P01)")
        }
    }

    /// A stopped server is an error that says how to start one.
    @Test func connectionRefusedSaysWhatToDo() throws {
        let error = #expect(throws: StateError.self) {
            try PostgresDatabase(url: "postgres://promptmill@127.0.0.1:1/promptmill?sslmode=disable")
        }
        #expect(
            message(error)
                == "PostgreSQL postgres://promptmill@127.0.0.1:1/promptmill?sslmode=disable: connecting failed: "
                + "cannot connect to 127.0.0.1:1: connection refused — is PostgreSQL running there? "
                + "`scripts/postgres start` starts one for trying")
    }

    /// The password never appears in an error; the server's host and port do.
    @Test func errorsNeverShowThePassword() throws {
        let error = #expect(throws: StateError.self) {
            try PostgresDatabase(url: "postgresql://worker:s3cret-Pa55@127.0.0.1:1/jobs?schema=fleet")
        }
        let text = message(error)
        #expect(!text.contains("s3cret-Pa55"))
        #expect(text.contains("worker:REDACTED@127.0.0.1:1/jobs"))
        #expect(text.contains("127.0.0.1:1"))
        let bad = #expect(throws: StateError.self) { try PostgresURL("postgres://worker:s3cret-Pa55@host/db?sslmode=maybe") }
        #expect(!message(bad).contains("s3cret-Pa55"))
        #expect(
            message(bad)
                == "PostgreSQL postgres://…@host/db?sslmode=maybe: reading the database URL failed: sslmode 'maybe' is none of "
                + "disable, prefer, require, verify-ca, verify-full — write it as postgres://user:password@host:5432/dbname?sslmode=disable")
    }

    /// A database that does not exist is named, with the command that creates it.
    @Test func missingDatabaseSaysHowToCreateIt() throws {
        var url = try PostgresURL(try TestDatabase.url())
        url.database = "no_such_database"
        let error = #expect(throws: StateError.self) { try PostgresDatabase(url) }
        #expect(
            message(error).hasSuffix(
                "connecting failed: database \"no_such_database\" does not exist (SQLSTATE 3D000) — "
                    + "create it (createdb no_such_database) or name another database in the URL"))
    }

    /// URLs read as libpq reads them: default port and user, both schemes, percent-escapes.
    @Test func readsURLs() throws {
        let url = try PostgresURL("postgresql://me:p%40ss@db.example.com/work?sslmode=require&schema=fleet")
        #expect(url.host == "db.example.com")
        #expect(url.port == 5432)
        #expect(url.user == "me")
        #expect(url.password == "p@ss")
        #expect(url.database == "work")
        #expect(url.tls == .require)
        #expect(url.schema == "fleet")
        #expect(url.description == "postgres://me:REDACTED@db.example.com:5432/work?sslmode=require&schema=fleet")
        let plain = try PostgresURL("postgres://localhost")
        #expect(plain.user == "postgres")
        #expect(plain.database == "postgres")
        #expect(plain.tls == .prefer)
        #expect(plain.password == nil)
        #expect(throws: StateError.self) { try PostgresURL("mysql://localhost/db") }
        #expect(throws: StateError.self) { try PostgresURL("postgres://localhost/db?pool=3") }
        // A user or password that cannot be decoded is refused, never replaced by a default.
        for broken in ["postgres://w%zzorker@localhost/db", "postgres://worker:pa%g5ss@localhost/db", "postgres://w%E9@localhost/db"] {
            #expect(throws: StateError.self, "\(broken)") { try PostgresURL(broken) }
        }
    }

    /// A schema name is a plain identifier: nothing that would need escaping is accepted.
    @Test func rejectsSchemaNamesThatNeedEscaping() throws {
        let error = #expect(throws: StateError.self) {
            try PostgresDatabase(url: "postgres://127.0.0.1:1/db", schema: "a\"; DROP TABLE x; --")
        }
        #expect(message(error).contains("choosing the schema failed"))
    }
}

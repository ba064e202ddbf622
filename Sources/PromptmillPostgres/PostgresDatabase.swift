import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import PromptmillCore

/// A PostgreSQL database that several promptmill workers share (issue 16).
///
/// It offers two ways in, each on its own connections:
///
/// - **Synchronous** (`execute`, `query`, `transaction` without `await`): for callers that are
///   synchronous protocol methods, such as the job store's `throws(StateError)` functions,
///   which async code calls. These wait on postgres-nio's futures; the work runs on its own
///   event-loop threads, so a blocked caller never starves the threads that would answer it
///   (the pool of Swift's concurrency is not involved). One lock serializes them on one
///   dedicated connection, so a transaction's statements are never interleaved with another
///   caller's.
/// - **Asynchronous** (`execute`, `query` with `await`): for the hot path, such as storing
///   answers as they arrive, which must not hold a thread while the server works. Its
///   statements share a few connections of their own (postgres-nio queues them per
///   connection) and have no transactions: another task's statement could land inside one.
///   A single statement is atomic, so write what belongs together in one.
///
/// A connection the server dropped (a restart, an idle timeout) is opened again the next time
/// it is used, and a statement that failed because its connection was dropped is sent once
/// more on a new one: statements should be safe to repeat (upserts, or reads). A transaction
/// is repeated only when its `BEGIN` failed, so its body runs at most once.
///
/// With a `schema`, every connection sets `search_path` to it (it is created when missing),
/// so tests, or several promptmill setups, live side by side in one database.
///
/// Every error is a `StateError.postgres` naming the server by its URL without the password.
public final class PostgresDatabase: Sendable {
    /// The server, user, database and schema; its `description` has no password.
    public let url: PostgresURL
    private let logger: Logger
    private let lock = NIOLock()
    private let syncSlot: ConnectionSlot
    private let asyncSlots: [ConnectionSlot]
    private let nextAsyncSlot = NIOLockedValueBox(0)

    /// Opens `url` (`postgres://user:password@host:port/dbname?sslmode=…&schema=…`); `schema`,
    /// when given, overrides the URL's.
    public convenience init(
        url: String, schema: String? = nil, asyncConnections: Int = 2, logger: Logger = Logger(label: "promptmill.postgres")
    ) throws(StateError) {
        var parsed = try PostgresURL(url)
        if let schema { parsed.schema = schema }
        try self.init(parsed, asyncConnections: asyncConnections, logger: logger)
    }

    /// Connects (so a wrong URL or a stopped server is found now, not at the first
    /// statement) and creates the schema when the URL names one that is missing.
    public init(
        _ url: PostgresURL, asyncConnections: Int = 2, logger: Logger = Logger(label: "promptmill.postgres")
    ) throws(StateError) {
        self.url = url
        self.logger = logger
        if let schema = url.schema, !Self.isPlainName(schema) {
            throw .postgres(
                server: url.description, action: "choosing the schema",
                reason: "'\(schema)' is not a plain name", advice: "use letters, digits and _ (at most 63), not starting with a digit")
        }
        let configuration: PostgresConnection.Configuration
        do {
            configuration = try Self.configuration(url)
        } catch {
            throw .postgres(
                server: url.description, action: "setting up TLS", reason: "\(error)", advice: "try sslmode=disable in the URL")
        }
        let group = MultiThreadedEventLoopGroup.singleton
        let ids = NIOLockedValueBox(0)
        let connect: @Sendable () -> EventLoopFuture<PostgresConnection> = {
            let id = ids.withLockedValue { id in
                id += 1
                return id
            }
            return PostgresConnection.connect(on: group.any(), configuration: configuration, id: id, logger: logger)
        }
        syncSlot = ConnectionSlot(eventLoop: group.any(), connect: connect)
        asyncSlots = (0..<max(1, asyncConnections)).map { _ in ConnectionSlot(eventLoop: group.any(), connect: connect) }
        do {
            _ = try syncSlot.connection().wait()
        } catch {
            throw failure(error, action: "connecting")
        }
        if let schema = url.schema {
            try createSchema(schema)
        }
    }

    deinit {
        close()
    }

    /// Closes every connection; statements after this fail.
    public func close() {
        syncSlot.close()
        for slot in asyncSlots { slot.close() }
    }

    // MARK: Synchronous

    /// Runs one statement and returns how many rows it changed (or returned).
    @discardableResult
    public func execute(_ query: PostgresQuery, action: String = "running a statement") throws(StateError) -> Int {
        try run(query, action: action).metadata.rows ?? 0
    }

    /// Runs one statement and returns its rows.
    public func query(_ query: PostgresQuery, action: String = "running a query") throws(StateError) -> [PostgresRow] {
        try run(query, action: action).rows
    }

    /// Runs `body` in one transaction on the synchronous connection: committed when it
    /// returns, rolled back when it throws. Other synchronous calls wait meanwhile.
    public func transaction<Result>(
        action: String = "running a transaction", _ body: (PostgresTransaction) throws(StateError) -> Result
    ) throws(StateError) -> Result {
        lock.lock()
        defer { lock.unlock() }
        let connection: PostgresConnection
        do {
            connection = try onSyncConnection { connection in
                _ = try connection.query("BEGIN", logger: logger).wait()
                return connection
            }
        } catch {
            throw failure(error, action: action)
        }
        let result: Result
        do {
            result = try body(PostgresTransaction(connection: connection, database: self, logger: logger))
        } catch {
            rollBack(connection)
            throw error
        }
        let end: PostgresQueryResult
        do {
            end = try connection.query("COMMIT", logger: logger).wait()
        } catch {
            rollBack(connection)
            throw failure(error, action: action)
        }
        // COMMIT of a transaction in which a statement failed answers ROLLBACK, without error.
        guard end.metadata.command != "ROLLBACK" else {
            throw .postgres(
                server: url.description, action: action, reason: "a statement in the transaction failed and it was rolled back",
                advice: "")
        }
        return result
    }

    private func run(_ query: PostgresQuery, action: String) throws(StateError) -> PostgresQueryResult {
        lock.lock()
        defer { lock.unlock() }
        do {
            return try onSyncConnection { connection in try connection.query(query, logger: logger).wait() }
        } catch {
            throw failure(error, action: action)
        }
    }

    /// `body` on the synchronous connection, once more on a new one if the first was dropped.
    private func onSyncConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let connection = try syncSlot.connection().wait()
        do {
            return try body(connection)
        } catch  where connection.isClosed {
            logger.info("PostgreSQL dropped the connection; connecting again", metadata: ["server": "\(url)"])
            return try body(try syncSlot.connection().wait())
        }
    }

    private func rollBack(_ connection: PostgresConnection) {
        do {
            _ = try connection.query("ROLLBACK", logger: logger).wait()
        } catch {
            // A connection that cannot roll back may still be inside the transaction.
            syncSlot.discard()
        }
    }

    // MARK: Asynchronous

    /// Runs one statement without blocking a thread; returns how many rows it changed.
    @discardableResult
    public func execute(_ query: PostgresQuery, action: String = "running a statement") async throws(StateError) -> Int {
        try await run(query, action: action).metadata.rows ?? 0
    }

    /// Runs one statement without blocking a thread; returns its rows.
    public func query(_ query: PostgresQuery, action: String = "running a query") async throws(StateError) -> [PostgresRow] {
        try await run(query, action: action).rows
    }

    private func run(_ query: PostgresQuery, action: String) async throws(StateError) -> PostgresQueryResult {
        let slot = asyncSlots[
            nextAsyncSlot.withLockedValue { next in
                next = (next + 1) % asyncSlots.count
                return next
            }]
        do {
            let connection = try await slot.connection().get()
            do {
                return try await connection.query(query, logger: logger).get()
            } catch  where connection.isClosed {
                logger.info("PostgreSQL dropped the connection; connecting again", metadata: ["server": "\(url)"])
                return try await slot.connection().get().query(query, logger: logger).get()
            }
        } catch {
            throw failure(error, action: action)
        }
    }

    // MARK: Support

    /// The error to throw for `error`, met while doing `action`.
    func failure(_ error: any Error, action: String) -> StateError {
        if let error = error as? StateError { return error }
        let failure = PostgresFailure(error, url: url)
        return .postgres(server: url.description, action: action, reason: failure.reason, advice: failure.advice)
    }

    private func createSchema(_ schema: String) throws(StateError) {
        do {
            try execute(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(Self.quoted(schema))"), action: "creating the schema")
        } catch {
            // Two workers creating it at once: one of them meets the other's.
            guard case .postgres(_, _, let reason, _) = error, reason.contains("23505") || reason.contains("42P06") else {
                throw error
            }
        }
    }

    private static func configuration(_ url: PostgresURL) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch url.tls {
        case .disable:
            tls = .disable
        case .prefer, .require:
            // libpq's meaning: encrypted, the certificate not checked.
            var settings = TLSConfiguration.makeClientConfiguration()
            settings.certificateVerification = .none
            let context = try NIOSSLContext(configuration: settings)
            tls = url.tls == .prefer ? .prefer(context) : .require(context)
        case .verifyCA, .verifyFull:
            var settings = TLSConfiguration.makeClientConfiguration()
            settings.certificateVerification = url.tls == .verifyCA ? .noHostnameVerification : .fullVerification
            tls = .require(try NIOSSLContext(configuration: settings))
        }
        var configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: tls)
        configuration.options.additionalStartupParameters = [("application_name", "promptmill")]
        if let schema = url.schema {
            configuration.options.additionalStartupParameters.append(("search_path", quoted(schema)))
        }
        return configuration
    }

    /// Letters, digits and `_`, not starting with a digit, at most 63 bytes: a name that
    /// needs no escaping anywhere.
    static func isPlainName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 63, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            return false
        }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }

    /// `name` as an SQL identifier (its case kept); only for plain names.
    static func quoted(_ name: String) -> String {
        "\"\(name)\""
    }
}

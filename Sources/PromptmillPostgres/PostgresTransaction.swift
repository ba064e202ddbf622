import Logging
import NIOCore
import PostgresNIO
import PromptmillCore

/// The statements of one transaction of `PostgresDatabase.transaction`, valid only inside
/// its body. A failed statement aborts the transaction: throw its error on, and the whole
/// transaction is rolled back.
public struct PostgresTransaction {
    let connection: PostgresConnection
    let database: PostgresDatabase
    let logger: Logger

    /// Runs one statement and returns how many rows it changed (or returned).
    @discardableResult
    public func execute(_ query: PostgresQuery, action: String = "running a statement") throws(StateError) -> Int {
        try run(query, action: action).metadata.rows ?? 0
    }

    /// Runs one statement and returns its rows.
    public func query(_ query: PostgresQuery, action: String = "running a query") throws(StateError) -> [PostgresRow] {
        try run(query, action: action).rows
    }

    private func run(_ query: PostgresQuery, action: String) throws(StateError) -> PostgresQueryResult {
        do {
            return try connection.query(query, logger: logger).wait()
        } catch {
            throw database.failure(error, action: action)
        }
    }
}

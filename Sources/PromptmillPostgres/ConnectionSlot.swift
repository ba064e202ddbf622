import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO

/// One connection to the server, opened when first asked for and opened again when the
/// server has dropped it. Callers asking while it connects share the same attempt; a failed
/// attempt is forgotten, so the next call tries again.
final class ConnectionSlot: Sendable {
    private enum State {
        case idle
        case connecting(EventLoopFuture<PostgresConnection>)
        case open(PostgresConnection)
        case closed
    }

    private let state = NIOLockedValueBox(State.idle)
    private let connect: @Sendable () -> EventLoopFuture<PostgresConnection>
    private let eventLoop: any EventLoop

    init(eventLoop: any EventLoop, connect: @escaping @Sendable () -> EventLoopFuture<PostgresConnection>) {
        self.eventLoop = eventLoop
        self.connect = connect
    }

    /// The open connection, or a new one when there is none or the server closed it.
    func connection() -> EventLoopFuture<PostgresConnection> {
        let (future, started) = state.withLockedValue { state -> (EventLoopFuture<PostgresConnection>, Bool) in
            switch state {
            case .open(let connection) where !connection.isClosed:
                return (connection.eventLoop.makeSucceededFuture(connection), false)
            case .connecting(let future):
                return (future, false)
            case .closed:
                return (eventLoop.makeFailedFuture(DatabaseClosed()), false)
            case .idle, .open:
                let future = connect()
                state = .connecting(future)
                return (future, true)
            }
        }
        // Registered outside the lock: a future that has already failed runs it at once.
        if started {
            future.whenComplete { result in
                let unused: PostgresConnection? = self.state.withLockedValue { state in
                    guard case .connecting(let current) = state, current === future else {
                        // Closed while connecting: this connection is nobody's.
                        return try? result.get()
                    }
                    switch result {
                    case .success(let connection): state = .open(connection)
                    case .failure: state = .idle
                    }
                    return nil
                }
                if let unused { Self.close(unused) }
            }
        }
        return future
    }

    /// Closes the open connection (one that may be stuck inside a transaction); the next call
    /// opens a new one.
    func discard() {
        let open = state.withLockedValue { state -> PostgresConnection? in
            guard case .open(let connection) = state else { return nil }
            state = .idle
            return connection
        }
        if let open { Self.close(open) }
    }

    /// Closes the connection, and any opened later by a call still in flight.
    func close() {
        let open = state.withLockedValue { state -> PostgresConnection? in
            defer { state = .closed }
            if case .open(let connection) = state { return connection }
            return nil
        }
        if let open { Self.close(open) }
    }

    /// Closes `connection` without waiting, keeping it alive until its channel has closed
    /// (postgres-nio asserts that a connection is closed before it goes away).
    private static func close(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }
}

/// The database was closed (`PostgresDatabase.close()`) before this call.
struct DatabaseClosed: Error {}

import PostgresNIO
import PromptmillCore

extension PostgresDatabase {
    /// Runs `body`, which decodes rows this database returned; a column that cannot be
    /// decoded becomes a `StateError.postgres` naming `action`.
    func decoding<T>(_ action: String, _ body: () throws -> T) throws(StateError) -> T {
        do {
            return try body()
        } catch {
            throw failure(error, action: action)
        }
    }

    /// `duration` in whole milliseconds, for `clock_timestamp() + n * interval '1 millisecond'`.
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

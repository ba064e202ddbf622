extension LiveDispatcher {
    /// How long a shared job's rate buckets may be out of reach before the worker stops.
    static let stateOutage = Duration.seconds(60)

    /// Waits for the throttle's leave to send. A shared job's buckets live in PostgreSQL: a
    /// failure to reach them is tried again with backoff on the dispatcher's clock (a
    /// transient failure never becomes a final one), and after `stateOutage` of failures
    /// the worker stops with its rows pending. Cancellation is an interruption.
    func acquire(tokenCost: Int) async throws(JobStop) -> ThrottleTicket {
        var waited = Duration.zero
        var backoff = Duration.milliseconds(250)
        while true {
            do {
                return try await throttle.acquire(tokenCost: tokenCost)
            } catch let error as StateError {
                guard waited < Self.stateOutage, !Task.isCancelled else { throw .stateUnreachable(cause: error.description) }
                do {
                    try await clock.sleep(for: backoff)
                } catch {
                    throw .interrupted
                }
                waited += backoff
                backoff = min(backoff * 2, .seconds(8))
            } catch {
                throw .interrupted
            }
        }
    }
}

import Synchronization

/// Asks a run to stop sending: requests in flight finish and their records are written.
/// The command line sets it on the first SIGINT or SIGTERM.
public final class StopRequest: Sendable {
    private let requested = Atomic<Bool>(false)

    public init() {}

    public func request() {
        requested.store(true, ordering: .relaxed)
    }

    public var isRequested: Bool {
        requested.load(ordering: .relaxed)
    }
}

import Foundation

/// Turns the first SIGINT or SIGTERM into cancellation of the running work (which then
/// writes what it has and stops); a second SIGINT exits at once with 130.
final class InterruptHandler: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var cancel: (@Sendable () -> Void)?
    private var interrupted = false

    init() {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in self?.receive() }
            source.resume()
            sources.append(source)
        }
    }

    private func receive() {
        let (again, cancel) = lock.withLock {
            let again = interrupted
            interrupted = true
            return (again, self.cancel)
        }
        if again { exit(130) }
        FileHandle.standardError.write(Data("\ninterrupted: writing what is done (press Ctrl-C again to quit at once)\n".utf8))
        cancel?()
    }

    /// Runs `body` in a task that the first signal cancels.
    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let work = Task { try await body() }
        let already = lock.withLock {
            cancel = { work.cancel() }
            return interrupted
        }
        if already { work.cancel() }
        return try await work.value
    }

    func restore() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

import Foundation
import PromptmillCore

/// The first SIGINT or SIGTERM asks the run to stop sending: requests in flight get
/// `grace` to finish and their records are written, then what is left is cancelled.
/// A second SIGINT exits at once with 130.
final class InterruptHandler: @unchecked Sendable {
    let stopRequest = StopRequest()
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var cancel: (@Sendable () -> Void)?
    private var interrupted = false
    private let grace: Duration
    private let notice: String

    /// `notice` is printed on the first signal.
    init(
        grace: Duration = .seconds(10),
        notice: String = "interrupted: no new requests; waiting up to 10 s for those in flight, then writing results (Ctrl-C again quits at once)"
    ) {
        self.grace = grace
        self.notice = notice
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
        FileHandle.standardError.write(Data("\n\(notice)\n".utf8))
        stopRequest.request()
        let grace = self.grace
        Task {
            try? await Task.sleep(for: grace)
            cancel?()
        }
    }

    /// Runs `body` in a task that the signals stop.
    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let work = Task { try await body() }
        let already = lock.withLock {
            cancel = { work.cancel() }
            return interrupted
        }
        if already { stopRequest.request() }
        return try await work.value
    }

    func restore() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

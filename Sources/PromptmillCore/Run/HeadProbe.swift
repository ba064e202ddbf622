import Synchronization

/// A step's first request, streamed so that its answer's head (status and `x-ratelimit-*`
/// headers, sent before the first token) tells the step its account's limits one latency
/// sooner than a whole answer would: until then the step sends only its blind start
/// (`ConcurrencyTarget.unknownLimits`).
///
/// The dispatcher `claim`s it for one request; that request `resolve`s it when its head
/// arrives, or when it ends without one. The flow `wait`s for it and, if the head held
/// limits, sizes the requests in flight from them at once.
final class HeadProbe: Sendable {
    private struct State {
        var claimed = false
        var resolved = false
        var heardLimits = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    init() {}

    /// True for the first caller only: that request streams.
    func claim() -> Bool {
        state.withLock { state in
            defer { state.claimed = true }
            return !state.claimed
        }
    }

    /// The probe's head arrived (`heardLimits`: it held rate-limit headers, already given to
    /// the throttle), or its request ended without one. Later calls change nothing.
    func resolve(heardLimits: Bool) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.resolved else { return nil }
            state.resolved = true
            state.heardLimits = heardLimits
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Whether the head held rate-limit headers.
    var heardLimits: Bool { state.withLock { $0.heardLimits } }

    /// Returns once the probe is resolved, or the waiting task is cancelled.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resolved = state.withLock { state -> Bool in
                    if state.resolved { return true }
                    precondition(state.waiter == nil, "a head probe has one waiter, the flow")
                    state.waiter = continuation
                    return false
                }
                if resolved { continuation.resume() }
            }
        } onCancel: {
            resolve(heardLimits: false)
        }
    }
}

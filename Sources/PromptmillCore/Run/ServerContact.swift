import Synchronization

/// What the job has heard from the server so far, shared by every step's dispatcher: until
/// something has come back, a failure that repeats on every request is about the server,
/// the account or the request's parameters, not about a row.
final class ServerContact: Sendable {
    private struct State {
        var reached = false
        var succeeded = false
        /// The last permanent refusal, and how many requests in a row got it.
        var refusal: RowFailure?
        var refusals = 0
        /// Why a dispatcher stopped the job, once one has.
        var stop: JobStop?
        /// Sent, retried and answered 429 since the flow last took the counts: kept here,
        /// not in each request's report, so requests that end in a stop count too.
        var counts = DispatchCounts()
    }

    private let state = Mutex(State())

    /// Some HTTP answer has arrived, of any status.
    var reached: Bool { state.withLock { $0.reached } }
    /// Some request has been answered with a usable 200.
    var succeeded: Bool { state.withLock { $0.succeeded } }

    func heard(success: Bool) {
        state.withLock { state in
            state.reached = true
            if success {
                state.succeeded = true
                state.refusals = 0
            }
        }
    }

    /// The stop a dispatcher threw: the others in flight end with it instead of retrying
    /// or splitting (the requests sent before the first answer are all there is).
    var stop: JobStop? { state.withLock { $0.stop } }

    func stopped(_ stop: JobStop) -> JobStop {
        state.withLock { state in
            if state.stop == nil { state.stop = stop }
        }
        return stop
    }

    func sent(tier: ServiceTier = .standard) {
        state.withLock {
            $0.counts.requests += 1
            $0.counts.byTier[tier, default: 0] += 1
        }
    }
    /// Batch lines submitted: requests of the batch tier.
    func submitted(lines: Int) {
        state.withLock {
            $0.counts.requests += lines
            $0.counts.byTier[.batch, default: 0] += lines
        }
    }
    func flexUnavailable() { state.withLock { $0.counts.flexUnavailable += 1 } }
    func switchedToStandard() { state.withLock { $0.counts.switchedToStandard += 1 } }
    func retried() { state.withLock { $0.counts.retries += 1 } }
    func rateLimited() { state.withLock { $0.counts.rateLimited += 1 } }
    func overloaded() { state.withLock { $0.counts.overloaded += 1 } }

    /// The counts since the last call.
    func takeCounts() -> DispatchCounts {
        state.withLock { state in
            defer { state.counts = DispatchCounts() }
            return state.counts
        }
    }

    /// Counts a request refused for good: how many requests in a row have now been refused
    /// with this very refusal.
    func refusedAlike(_ failure: RowFailure) -> Int {
        state.withLock { state in
            if let last = state.refusal, last.sameRefusal(as: failure) {
                state.refusals += 1
            } else {
                state.refusal = failure
                state.refusals = 1
            }
            return state.refusals
        }
    }
}

/// Requests sent, retries, 429 answers, and answers that say the server is overloaded.
struct DispatchCounts: Sendable, Equatable {
    var requests = 0
    var retries = 0
    var rateLimited = 0
    /// 502, 503, 504 and 529 answers, timeouts, and connections dropped or refused once the
    /// server had answered: signs of more requests in flight than it can take.
    var overloaded = 0
    var byTier: [ServiceTier: Int] = [:]
    var flexUnavailable = 0
    var switchedToStandard = 0
}

import Foundation
import Synchronization

/// What a run is doing, as it happens: the dispatchers report each attempt, answer and
/// retry, the `Recorder` the job's figures after each record, and this keeps them for the
/// run's timeline (`TimelineRecorder`, stored with the job through `TimelineStore`) and for
/// whoever watches the run live (`RunWatcher`: `run --metrics`).
///
/// One per run, shared by every step's dispatcher like `ServerContact`. An event is one
/// lock and a few additions; the store is written only from `recorded`, on the flow's task.
public final class RunTelemetry: Sendable {
    /// A step's throttle, named by its model, for the limits and the buckets' levels.
    struct ModelThrottle: Sendable {
        var model: String
        var throttle: any SendThrottle
    }

    struct State {
        var timeline: TimelineRecorder
        var throttles: [ModelThrottle] = []
        /// This run's retries by cause.
        var retries: [RetryCause: Int] = [:]
        /// The job's figures as the `Recorder` last gave them.
        var statistics: RunStatistics
        /// Rows whose every step was skipped (`when`), recorded in this run.
        var skipped = 0
        /// When the limits were last read, on the run's clock.
        var limitsRead: Duration?
        var limits: [String: ThrottleSnapshot] = [:]
    }

    /// The job's budget cap, if any.
    public let budget: Money?
    /// Retries of the job's earlier runs (their causes are not kept).
    public let earlierRetries: Int
    private let elapsed: Stopwatch
    private let store: (any TimelineStore)?
    private let run: Int64
    private let watcher: (any RunWatcher)?
    let state: Mutex<State>

    /// `statistics`: the job's figures at the run's start (earlier runs'). `store`: where
    /// the timeline is kept (nil: nowhere). `startedAt`: the wall time the run's clock
    /// starts from, for the samples' times.
    init(
        clock: any Clock<Duration>, startedAt: Date = Date(), statistics: RunStatistics, budget: Money?,
        store: (any TimelineStore)?, run: Int64, watcher: (any RunWatcher)? = nil
    ) {
        elapsed = clock.stopwatch()
        self.budget = budget
        earlierRetries = statistics.retries
        self.store = store
        self.run = run
        self.watcher = watcher
        state = Mutex(State(timeline: TimelineRecorder(startedAt: startedAt.timeIntervalSince1970), statistics: statistics))
    }

    /// Watches `throttle`, the rate limits of `model`'s steps.
    func watch(_ throttle: any SendThrottle, model: String) {
        state.withLock { $0.throttles.append(ModelThrottle(model: model, throttle: throttle)) }
    }

    // MARK: Events

    /// An attempt carrying `prompts` rows goes out: one more request, and one more in flight.
    func sending(prompts: Int) {
        event { state, _ in
            state.timeline.update {
                $0.requests += 1
                $0.prompts += prompts
            }
            state.timeline.inFlight += 1
        }
    }

    /// An HTTP answer of `status` arrived `latency` after its attempt was sent; `usage` is
    /// the server's count when it was a usable 200.
    func answered(status: Int, after latency: Duration, usage: TokenUsage?, step: String, rows: [PreparedRow]) {
        let milliseconds = TimelineRecorder.seconds(latency) * 1000
        event { state, now in
            state.timeline.inFlight -= 1
            state.timeline.update {
                $0.latency[TimelineSample.latencyBucket(milliseconds: milliseconds)] += 1
                if let usage {
                    $0.promptTokens += usage.promptTokens
                    $0.completionTokens += usage.completionTokens
                }
            }
            Self.slow(milliseconds, status: status, step: step, rows: rows, at: now, in: &state)
        }
        watcher?.answered(after: latency)
    }

    /// An attempt ended `latency` after it was sent without an answer (a timeout, a
    /// connection that failed).
    func lost(after latency: Duration, step: String, rows: [PreparedRow]) {
        event { state, now in
            state.timeline.inFlight -= 1
            Self.slow(TimelineRecorder.seconds(latency) * 1000, status: nil, step: step, rows: rows, at: now, in: &state)
        }
    }

    /// A 429 answer (of any kind).
    func rateLimited() {
        event { state, _ in state.timeline.update { $0.rateLimited += 1 } }
    }

    /// An attempt will be sent again, for `cause`.
    func retried(_ cause: RetryCause) {
        event { state, _ in
            state.retries[cause, default: 0] += 1
            state.timeline.update { $0.retries[cause.rawValue, default: 0] += 1 }
        }
    }

    /// A request of `prompts` rows handed to the Batch API (one line of a batch file).
    func submitted(prompts: Int) {
        event { state, _ in
            state.timeline.update {
                $0.requests += 1
                $0.prompts += prompts
            }
        }
    }

    /// Tokens of answers that came back without a live attempt (batch lines).
    func used(_ usage: TokenUsage) {
        event { state, _ in
            state.timeline.update {
                $0.promptTokens += usage.promptTokens
                $0.completionTokens += usage.completionTokens
            }
        }
    }

    private func event(_ change: (inout State, Duration) -> Void) {
        let now = elapsed.elapsed()
        state.withLock { state in
            state.timeline.advance(to: now)
            change(&state, now)
        }
    }

    /// Keeps the request among the slowest when it is; its rows' ids are read only then.
    private static func slow(
        _ milliseconds: Double, status: Int?, step: String, rows: [PreparedRow], at now: Duration, in state: inout State
    ) {
        guard state.timeline.isSlow(milliseconds: milliseconds) else { return }
        let sent = state.timeline.startedAt + TimelineRecorder.seconds(now) - milliseconds / 1000
        state.timeline.slow(
            SlowRequest(start: sent, latencyMs: milliseconds, step: step, rowIDs: rows.prefix(20).map(\.id), status: status))
    }
}

extension RunTelemetry {
    // MARK: The Recorder's figures, the timeline's store

    /// The job's figures after a record (`statistics` is cumulative; each second's sample
    /// gets what changed in it). Reads the limits at most once a second, and hands the
    /// seconds closed since the last call to the store.
    func recorded(_ statistics: RunStatistics, skipped: Int) async {
        let now = elapsed.elapsed()
        let throttles = state.withLock { state -> [ModelThrottle] in
            guard state.limitsRead.map({ now - $0 >= .seconds(1) }) ?? true else { return [] }
            state.limitsRead = now
            return state.throttles
        }
        var limits: [String: ThrottleSnapshot] = [:]
        for entry in throttles { limits[entry.model] = await entry.throttle.snapshot }
        let (samples, slowest) = state.withLock { state in
            state.timeline.advance(to: now)
            if !limits.isEmpty { Self.setLimits(limits, in: &state) }
            Self.count(statistics, skipped: skipped, in: &state)
            return (state.timeline.takeUnsaved(), state.timeline.takeSlowest())
        }
        save(samples, slowest)
    }

    /// The run ends with `statistics`: the second under way is closed as a shorter last
    /// sample, and everything not yet stored is stored.
    func finish(_ statistics: RunStatistics, skipped: Int) async {
        await recorded(statistics, skipped: skipped)
        let now = elapsed.elapsed()
        let (samples, slowest) = state.withLock { state in
            state.timeline.finish(at: now)
            return (state.timeline.takeUnsaved(), state.timeline.takeSlowest())
        }
        save(samples, slowest)
    }

    /// The timeline is an account of the run, never a reason to stop it: a store that
    /// cannot write it loses those samples, and the run goes on.
    private func save(_ samples: [TimelineSample], _ slowest: [SlowRequest]?) {
        guard let store else { return }
        if !samples.isEmpty { try? store.appendTimeline(samples, run: run) }
        if let slowest { try? store.recordSlowRequests(slowest, run: run) }
    }

    private static func count(_ statistics: RunStatistics, skipped: Int, in state: inout State) {
        let before = state.statistics
        func answered(_ figures: RunStatistics, _ skipped: Int) -> Int { figures.succeeded - figures.cacheHits - skipped }
        let changes = [
            ("answered", answered(statistics, skipped) - answered(before, state.skipped)),
            ("cached", statistics.cacheHits - before.cacheHits), ("failed", statistics.failed - before.failed),
            ("skipped", skipped - state.skipped), ("rejected", statistics.rejectedRows - before.rejectedRows),
        ]
        state.timeline.update { sample in
            for (outcome, change) in changes where change != 0 { sample.rows[outcome, default: 0] += change }
        }
        state.statistics = statistics
        state.skipped = skipped
        state.timeline.spentUSD = (statistics.spent ?? statistics.cost)?.dollars
    }

    /// The limits of every model, added up: the requests and tokens a minute the job may send.
    private static func setLimits(_ limits: [String: ThrottleSnapshot], in state: inout State) {
        state.limits = limits
        let requests = limits.values.compactMap(\.requestsPerMinute)
        let tokens = limits.values.compactMap(\.tokensPerMinute)
        state.timeline.requestsPerMinuteLimit = requests.isEmpty ? nil : requests.reduce(0, +)
        state.timeline.tokensPerMinuteLimit = tokens.isEmpty ? nil : tokens.reduce(0, +)
    }
}

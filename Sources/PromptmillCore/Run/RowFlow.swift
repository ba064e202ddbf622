/// The run's one path: rows are read and rendered (`RowSource`), planned for their step
/// (`StepPlanner`), dispatched (`RequestDispatcher`, which settles each answer through the
/// `Settler`) and recorded (`Recorder`). A row moves on to its next step the moment its
/// step settles, so steps on different models send at the same time; its record is written
/// when its last step is done, or when a step fails.
///
/// The flow runs in one task and owns the planners' queues; requests in flight are child
/// tasks of a task group, per step as many as its rate limits and measured latency need
/// (`ConcurrencyTarget`), never more than `max_concurrency` when the user set it.
final class RowFlow {
    struct Step {
        var planner: StepPlanner
        let dispatcher: any RequestDispatcher
        let throttle: any SendThrottle
        var concurrency: ConcurrencyTarget
        var inFlight = 0
        /// What `concurrency` allows now: until the first answer (its headers teach or
        /// correct the limits, its latency sizes the requests in flight), the blind start
        /// `ConcurrencyTarget.unknownLimits` allows.
        var inFlightLimit: Int
        /// Requests handed to the dispatcher so far (a long-waiting dispatcher seals what it
        /// has once it has them all).
        var dispatched = 0
        /// The dispatcher's `HeadProbe`: the flow hears from it when the first request's
        /// head has taught the limits.
        let headProbe: HeadProbe?

        /// `maxConcurrency`: the user's `max_concurrency`, if set.
        init(
            planner: StepPlanner, dispatcher: any RequestDispatcher, throttle: any SendThrottle, maxConcurrency: Int?,
            headProbe: HeadProbe? = nil
        ) {
            self.headProbe = headProbe
            self.planner = planner
            self.dispatcher = dispatcher
            self.throttle = throttle
            concurrency = ConcurrencyTarget(maxConcurrency: maxConcurrency)
            inFlightLimit = dispatcher.waitsLong ? Self.batchRows : concurrency.unknownLimits
        }

        /// Rows a long-waiting step keeps in flight: one whole Batch API input file.
        static let batchRows = 50_000
    }

    private var steps: [Step]
    private let source: RowSource
    private let recorder: Recorder
    private let budget: BudgetGate?
    private let stopRequest: StopRequest
    /// What the server has answered so far, and the requests' counts.
    private let contact: ServerContact
    /// Rows refused for good before anything was answered: recorded once something is,
    /// left pending if nothing ever is (the refusal may be the account's, not theirs).
    private var unconfirmed: [PreparedRow] = []
    /// Rows read and not yet recorded: the flow reads no further while this many are open.
    private let window: Int
    private var open = 0
    private var inputEnded = false
    private var stop: JobStop?

    init(steps: [Step], source: RowSource, recorder: Recorder, budget: BudgetGate?, stopRequest: StopRequest, contact: ServerContact) {
        self.steps = steps
        self.source = source
        self.recorder = recorder
        self.budget = budget
        self.stopRequest = stopRequest
        self.contact = contact
        // Enough rows for every request in flight and the next, within a bound on memory.
        let wanted = steps.reduce(0) { $0 + $1.planner.step.configuration.batchSize * ($1.concurrency.ceiling + 1) }
        let least = steps.reduce(0) { $0 + 2 * $1.planner.step.configuration.batchSize }
        window = max(4096, least, min(wanted, 1 << 16), steps.contains { $0.dispatcher.waitsLong } ? Step.batchRows : 0)
    }

    /// What the flow waits for: the reader's next chunk (nil at the input's end), or a
    /// dispatched request's report (or the stop it ended in).
    private enum Event: Sendable {
        case read(RowSource.Chunk?)
        case dispatched(step: Int, Result<DispatchReport, JobStop>)
        /// The step's `HeadProbe` is resolved.
        case heard(step: Int)
    }

    /// Moves every row it can to its record; returns why it stopped early, if it did.
    /// Throws when the output cannot be written (a full disk): after the requests in flight
    /// have come back and their answers are in the answer store, so none is paid twice.
    func run() async throws -> JobStop? {
        let chunks = source.chunks()
        defer { source.cancel() }
        var outputFailure: (any Error)?
        try await withThrowingTaskGroup(of: Event.self) { group in
            for index in steps.indices {
                guard let probe = steps[index].headProbe else { continue }
                group.addTask {
                    await probe.wait()
                    return .heard(step: index)
                }
            }
            // Whatever ends the loop, no probe is left waiting.
            defer { for step in steps { step.headProbe?.resolve(heardLimits: false) } }
            var reading = false
            while true {
                if stop == nil, stopRequest.isRequested || Task.isCancelled { stop = .interrupted }
                if stop == nil, !inputEnded, !reading, open < window {
                    // The channel takes any number of consumers: each read makes its own iterator.
                    group.addTask {
                        var iterator = chunks.makeAsyncIterator()
                        return .read(try await iterator.next())
                    }
                    reading = true
                }
                if stop == nil { try await launch(into: &group) }
                await tellLongWaiting()
                guard reading || steps.contains(where: { $0.inFlight > 0 }), let event = try await group.next() else { break }
                switch event {
                case .read(let chunk?):
                    reading = false
                    guard stop == nil else { continue }
                    try recorder.reject(chunk.problems)
                    open += chunk.rows.count
                    try admit(chunk.rows, to: 0)
                case .read(nil):
                    reading = false
                    inputEnded = true
                case .heard(let index):
                    guard steps[index].headProbe?.heardLimits == true else { continue }
                    let snapshot = await steps[index].throttle.snapshot
                    steps[index].concurrency.heardLimits(inFlight: steps[index].inFlight, snapshot)
                    steps[index].inFlightLimit = steps[index].concurrency.limit(snapshot)
                case .dispatched(let index, let result):
                    steps[index].inFlight -= 1
                    switch result {
                    case .success(let report):
                        if let latency = report.latency { steps[index].concurrency.answered(after: latency) }
                        if !steps[index].dispatcher.waitsLong {
                            steps[index].inFlightLimit = steps[index].concurrency.limit(await steps[index].throttle.snapshot)
                        }
                        try settle(report.results, at: index)
                        if !report.unsent.isEmpty, stop == nil, let budget, let cap = budget.spend.cap {
                            // A retry found no room under the cap: those rows wait for a rerun.
                            stop = .budget(cap: cap, spent: await budget.spend.jobSpent())
                        }
                    case .failure(let reason):
                        if stop == nil { stop = reason }
                    }
                    let counts = contact.takeCounts()
                    recorder.count(counts)
                    if counts.overloaded > 0 {
                        // The server is one for every step: each step sending sends less.
                        for step in steps.indices {
                            let inFlight = steps[step].inFlight + (step == index ? 1 : 0)
                            guard inFlight > 0, !steps[step].dispatcher.waitsLong else { continue }
                            steps[step].concurrency.overloaded(inFlight: inFlight)
                            steps[step].inFlightLimit = steps[step].concurrency.limit(await steps[step].throttle.snapshot)
                        }
                    }
                    if !unconfirmed.isEmpty, contact.succeeded {
                        // Something was answered: those refusals were the rows' own.
                        for row in unconfirmed { recorder.record(row) }
                        unconfirmed = []
                    }
                }
                guard outputFailure == nil else { continue }
                do {
                    try await recorder.recorded()
                } catch {
                    // Send nothing more; let what is in flight come back and be stored.
                    outputFailure = error
                    if stop == nil { stop = .interrupted }
                }
            }
        }
        if let outputFailure { throw outputFailure }
        for row in unconfirmed { recorder.leaveUnconfirmed(row, after: row.settled.last?.failure ?? RowFailure(type: "", message: "", status: nil)) }
        return stop
    }

    /// Sends what the steps have ready, later steps first (their rows are nearer their
    /// record), each up to its concurrency, under the budget.
    private func launch(into group: inout ThrowingTaskGroup<Event, any Error>) async throws {
        for index in steps.indices.reversed() {
            sending: while stop == nil, steps[index].inFlight < steps[index].inFlightLimit {
                let capacity = await steps[index].throttle.tokensPerMinute
                let (planned, tooLarge) = steps[index].planner.nextRequest(capacity: capacity, partial: mayGoPartial(index))
                try settle(tooLarge, at: index)
                guard var request = planned else { break }
                if let budget {
                    let completionBudget = steps[index].planner.completionBudget
                    switch await budget.admit(
                        request, prices: steps[index].planner.step.configuration.prices, completionBudget: completionBudget,
                        tier: steps[index].dispatcher.waitsLong ? .batch : .standard, waits: !steps[index].dispatcher.waitsLong)
                    {
                    case .send(let admitted, let rest):
                        steps[index].planner.putBack(rest)
                        request = admitted
                    case .later:
                        // Batch lines waiting to be sealed hold the room: seal them, and try
                        // again when some settle.
                        steps[index].planner.putBack(request.rows)
                        await steps[index].dispatcher.idle(dispatched: steps[index].dispatched)
                        break sending
                    case .full:
                        steps[index].planner.putBack(request.rows)
                        stop = .budget(cap: budget.spend.cap ?? .zero, spent: await budget.spend.jobSpent())
                        return
                    }
                }
                let dispatcher = steps[index].dispatcher
                steps[index].concurrency.sent(tokenCost: request.tokenCost)
                steps[index].dispatched += 1
                if steps[index].concurrency.latency == nil, !dispatcher.waitsLong {
                    // Before the first answer, the requests' token cost caps the blind start.
                    steps[index].inFlightLimit = steps[index].concurrency.limit(await steps[index].throttle.snapshot)
                }
                group.addTask {
                    do throws(JobStop) {
                        return .dispatched(step: index, .success(try await dispatcher.dispatch(request)))
                    } catch {
                        return .dispatched(step: index, .failure(error))
                    }
                }
                steps[index].inFlight += 1
            }
        }
    }

    /// Long-waiting dispatchers (the Batch API) hear when no more requests will reach them
    /// soon (the input is read to the window or its end, and the steps before have nothing
    /// left to give), and when the job stops.
    private var stopTold = false
    private func tellLongWaiting() async {
        if let stop, !stopTold, !Self.waitsForBatches(stop) {
            stopTold = true
            for step in steps where step.dispatcher.waitsLong { await step.dispatcher.stopping(stop) }
        }
        guard stop.map(Self.waitsForBatches) ?? true, stop != nil || inputEnded || open >= window else { return }
        for index in steps.indices where steps[index].dispatcher.waitsLong {
            guard steps[..<index].allSatisfy({ $0.inFlight == 0 && $0.planner.waiting == 0 }) else { break }
            await steps[index].dispatcher.idle(dispatched: steps[index].dispatched)
        }
    }

    /// At the budget, what was admitted (reserved under the cap) is sealed and its batches
    /// are followed to the end, as live requests in flight are; other stops give the
    /// waiting requests back at once and leave the batches running on the server.
    private static func waitsForBatches(_ stop: JobStop) -> Bool {
        if case .budget = stop { return true }
        return false
    }

    /// A step may send a batch smaller than its batch size when no more rows will reach it
    /// soon: its upstream is drained, or nothing at all is in flight.
    private func mayGoPartial(_ index: Int) -> Bool {
        let idle = (inputEnded || open >= window) && !steps.contains { $0.inFlight > 0 }
        return idle || inputEnded && steps[..<index].allSatisfy { $0.inFlight == 0 && $0.planner.waiting == 0 }
    }

    /// Rows arriving at step `index`: those it settles without a request move on.
    private func admit(_ rows: [PreparedRow], to index: Int) throws {
        guard !rows.isEmpty else { return }
        let recorder = recorder
        let recordsStored = steps[index].planner.isLast
        var recordedStored = 0
        let settled = try steps[index].planner.admit(rows) { row, hit, paidHere in
            // A row whose only step the store answered is written from the stored bytes.
            guard recordsStored, row.settled.isEmpty else { return false }
            recorder.record(row, stored: hit, paidHere: paidHere)
            recordedStored += 1
            return true
        }
        open -= recordedStored
        try advance(settled)
    }

    private func settle(_ results: [RowResult], at index: Int) throws {
        guard !results.isEmpty else { return }
        var settled: [StepPlanner.Settled] = []
        for result in results {
            let kind: StepOutcome.Kind =
                switch result.outcome {
                case .answered(let answer, let usage): .answered(answer, usage: usage, attempts: result.attempts)
                case .failed(let failure): .failed(failure, attempts: result.attempts)
                }
            settled.append((result.row, StepOutcome(step: index, kind: kind)))
            settled += steps[index].planner.followers(of: result)
        }
        try advance(settled)
    }

    /// Each settled row goes to its next step, or to its record after its last step or a
    /// failure.
    private func advance(_ settled: [StepPlanner.Settled]) throws {
        var onward: [Int: [PreparedRow]] = [:]
        for (row, outcome) in settled {
            var row = row
            row.settled.append(outcome)
            if row.context != nil { StepContext.add(outcome, named: steps[outcome.step].planner.step.name, to: &row.context!) }
            if let failure = outcome.failure, failure.transient {
                // Not final: no record, so the next run of the same command sends it again.
                recorder.leavePending(row, after: failure)
                open -= 1
            } else if let failure = outcome.failure, let status = failure.status, status != 200, !contact.succeeded {
                unconfirmed.append(row)
                open -= 1
            } else if outcome.failure != nil || steps[outcome.step].planner.isLast {
                recorder.record(row)
                open -= 1
            } else {
                onward[outcome.step + 1, default: []].append(row)
            }
        }
        for (index, rows) in onward.sorted(by: { $0.key < $1.key }) { try admit(rows, to: index) }
    }
}

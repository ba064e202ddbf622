import Foundation
import Logging
import PromptmillTokenizer

/// Runs one job, or continues it: takes the job's lock, reads what its store recorded, and
/// wires the stages of `RowFlow` (read → render → plan → dispatch → settle → record) for
/// the job's steps. It owns nothing else.
public struct JobRunner: Sendable {
    /// How this run treats the job's earlier progress.
    public struct Options: Sendable {
        /// Forget the job's earlier progress and output; the cache stays.
        public var fresh: Bool
        /// `--retry-failed`: write the output again, sending the rows whose records are
        /// errors once more (answers already paid for come from the answer store).
        public var retryFailed: Bool
        /// `run --detach`: once every row waits in a submitted batch, exit 0 and leave them.
        public var detach: Bool
        /// How often batches are polled at first, doubling up to a minute.
        public var batchPoll: Duration

        public init(fresh: Bool = false, retryFailed: Bool = false, detach: Bool = false, batchPoll: Duration = .seconds(2)) {
            self.fresh = fresh
            self.retryFailed = retryFailed
            self.detach = detach
            self.batchPoll = batchPoll
        }
    }

    let configuration: PipelineConfiguration
    let options: Options
    let transport: any HTTPTransport
    let progress: ProgressReporter
    let logger: Logger
    let clock: any Clock<Duration>
    /// One throttle for every step (tests); nil: a `RateLimiter` per model on `clock`.
    let throttle: (any SendThrottle)?
    let stopRequest: StopRequest
    /// Seeds the retry jitter (tests and benchmarks); nil: the system's random source.
    let seed: UInt64?
    /// A shared job's state (`state: postgres://...`): this run is one of its workers. nil:
    /// one machine, the job's SQLite files under the state directory.
    let shared: (any SharedJobState)?
    /// Watches each run live (`run --metrics`); nil: nobody.
    let watcher: (any RunWatcher)?

    /// How often a shared job's worker whose rows are done looks at the others'.
    static let workerPoll = Duration.seconds(1)

    /// Rows read, rendered, keyed and looked up together.
    static let chunkSize = 512

    /// `throttle` defaults to a `RateLimiter` per model with the pipeline's limits (learning
    /// them from the answers' headers when the pipeline sets none), on `clock`.
    public init(
        configuration: PipelineConfiguration, options: Options = Options(), transport: any HTTPTransport,
        progress: ProgressReporter, logger: Logger = Logger(label: "promptmill"),
        clock: any Clock<Duration> = ContinuousClock(), throttle: (any SendThrottle)? = nil,
        stopRequest: StopRequest = StopRequest(), seed: UInt64? = nil, shared: (any SharedJobState)? = nil,
        watcher: (any RunWatcher)? = nil
    ) {
        self.shared = shared
        self.watcher = watcher
        self.configuration = configuration
        self.options = options
        self.transport = transport
        self.progress = progress
        self.logger = logger
        self.clock = clock
        self.throttle = throttle
        self.stopRequest = stopRequest
        self.seed = seed
    }

    /// Throws `StateError` when another run holds the job or its state cannot be used,
    /// `BadRowsError` or `InputError` before anything is sent, `OutputError` when the
    /// results cannot be written.
    public func run() async throws -> RunReport {
        // A shared job's worker runs again (as a new run) when a worker that died left
        // chunks to claim while this one waited for the job to end.
        while true {
            if let report = try await runOnce() { return report }
        }
    }

    /// One run; nil: a shared job's worker found chunks to claim again after its own.
    private func runOnce() async throws -> RunReport? {
        // Workers of a shared job run side by side: their claims keep them apart.
        let lock =
            shared == nil
            ? try JobLock(
                path: JobLock.path(stateDirectory: configuration.stateDirectory, jobName: configuration.name),
                jobName: configuration.name) : nil
        defer { withExtendedLifetime(lock) {} }
        let store: any JobStore =
            try shared?.store ?? JobLedger(path: JobLedger.path(stateDirectory: configuration.stateDirectory, jobName: configuration.name))
        let fingerprint = JobFingerprint(configuration)

        // Check the input before anything is sent, unless a run has already read this very
        // input with these settings and recorded what it holds: when that found bad rows,
        // the input is read again to learn which rows repeat an id.
        let scanned: (rows: Int, badRows: Int)
        var duplicates: [Int: Int] = [:]
        if let stored = try store.storedInputScan(for: fingerprint), stored.badRows == 0 || configuration.input.idField == nil {
            scanned = stored
        } else {
            let scan = try InputScan.scan(configuration)
            if configuration.input.onBadRow == .fail, scan.badRows > 0 { throw BadRowsError(scan: scan) }
            scanned = (scan.rows, scan.badRows)
            duplicates = scan.duplicates
        }
        var start = try store.start(
            name: configuration.name, fingerprint: fingerprint, outputPath: configuration.output.path,
            mode: options.fresh ? .fresh : options.retryFailed ? .rewrite : .resume)
        try store.recordInputScan(fingerprint: fingerprint, rows: scanned.rows, badRows: scanned.badRows)
        var known = start.progress
        if start.rewriting {
            // The failed records about to be written again were billed: keep their cost.
            let billed = BilledFailures.totals(inOutput: configuration.output.path, configuration: configuration)
            if billed.usage != .zero {
                try store.commit(
                    JobLedger.Segment(endOffset: 0, rows: RowRanges(), totals: billed), run: start.runID, counters: JobLedger.RunCounters(),
                    outcome: nil)
                known.records += billed
                start.progress = known
            }
        }
        if let reason = start.restartReason {
            progress.note(reason + (configuration.cache.enabled ? "; rows whose request is unchanged come from the cache, the rest are sent" : ""))
        } else if start.resumed {
            progress.note("continuing job '\(configuration.name)': \(known.records.items) of \(scanned.rows) rows already have a record")
        }

        // A worker of a shared job writes a part of its own; `collect` joins them.
        let outputPath = shared == nil ? configuration.output.path : OutputPart.path(output: configuration.output.path, run: start.runID)
        try FileManager.default.createDirectory(
            atPath: (outputPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let answers: (any AnswerStore)? =
            configuration.cache.enabled ? try shared?.answers ?? ResponseCache(path: configuration.cache.path) : nil
        let sink = try OutputSink(
            path: outputPath, keepingFirst: shared == nil ? known.outputEnd : 0, done: known.done,
            store: store, run: start.runID, configuration: configuration)
        let spend: SpendGuard?
        if let shared {
            spend = try await SpendGuard.forWorker(configuration, spend: shared.spend(run: start.runID), clock: clock, progress: progress)
        } else {
            spend = try SpendGuard.forJob(configuration, start: start, answers: answers, store: store, progress: progress, logger: logger)
        }
        let recorder = Recorder(
            sink: sink, rejects: RejectsFileWriter(path: shared == nil ? configuration.output.rejectsPath : outputPath + ".rejects.jsonl"),
            progress: progress, spend: spend, earlier: known, totalRows: scanned.rows + scanned.badRows, configuration: configuration)
        // The run's timeline goes to the job store: the ledger, or a shared job's database,
        // where each worker run keeps its own.
        let telemetry = RunTelemetry(
            clock: clock, statistics: recorder.statistics, budget: configuration.budget.maxUSD, store: store as? any TimelineStore,
            run: start.runID, watcher: watcher)
        recorder.telemetry = telemetry
        watcher?.runStarted(telemetry)
        let claims = try await shared?.join(run: start.runID, rows: scanned.rows + scanned.badRows)
        if let shared {
            progress.note("worker run \(start.runID) of job '\(configuration.name)' on \(shared.location): writing \(outputPath)")
        }
        let source = RowSource(
            configuration: configuration, keyed: answers != nil, skip: known.done, duplicates: duplicates, chunkSize: Self.chunkSize,
            claims: claims)
        let contact = ServerContact()
        let deadline = configuration.deadline?.date(jobStarted: known.startedAt)
        let batchStore = store as? any BatchStore
        // Batches an earlier run submitted are paid work: their steps follow them to the end,
        // whatever the mode says now, so no row of theirs is sent a second time.
        let openBatchSteps = Set(((try? batchStore?.batches()) ?? []).filter { !$0.collected }.map(\.step))
        let ways = configuration.stages.indices.map { index in
            var way = RunWay.choose(
                for: configuration.stages[index].configuration, mode: configuration.mode, deadline: deadline, now: Date(), rows: scanned.rows)
            if way.tier != .batch, openBatchSteps.contains(index) {
                way.tier = .batch
                way.reason = "batches of an earlier run are still open: following them to the end before anything else is sent"
            }
            return way
        }
        for (index, way) in ways.enumerated() where configuration.mode != .live {
            progress.note("\(configuration.stages.count > 1 ? "step \(configuration.stages[index].name): " : "")\(way.reason)")
        }
        let (flowSteps, queues) = try steps(
            answers: answers, generation: known.generation, spend: spend, contact: contact, telemetry: telemetry, ways: ways,
            deadline: deadline, batchStore: batchStore, fingerprint: fingerprint.request, rows: max(0, scanned.rows - known.records.items))
        let flow = RowFlow(
            steps: flowSteps, source: source, recorder: recorder,
            budget: spend.flatMap { $0.cap == nil ? nil : BudgetGate(spend: $0) }, stopRequest: stopRequest, contact: contact)
        var stop: JobStop?
        do {
            stop = try await flow.run()
        } catch {
            await shared?.leave(run: start.runID)
            throw error
        }
        if stop == nil {
            for queue in queues { await queue.finish() }
        } else {
            var open = (batches: 0, lines: 0)
            for queue in queues {
                let running = await queue.running
                open = (open.batches + running.batches, open.lines + running.lines)
            }
            if open.batches > 0, stop != .detached(batches: open.batches, rows: open.lines) {
                progress.note(
                    "\(open.batches) submitted batch\(open.batches == 1 ? "" : "es") (\(open.lines) requests) left running on the server: they are paid work; the same command collects them later, `promptmill cancel \(configuration.pipelinePath)` cancels them"
                )
            }
        }

        if let deadline, Date() > deadline, stop == nil || stop == .interrupted {
            let late = Int(Date().timeIntervalSince(deadline))
            progress.note(
                "the deadline (\(JobStop.describe(deadline))) passed \(JobStop.describe(.seconds(late))) ago\(stop == nil ? ", before the job finished" : "")"
            )
        }
        var statistics = recorder.statistics
        if let shared {
            return try await finishWorker(
                shared, run: start.runID, stop: stop, recorder: recorder, spend: spend, claims: claims, restartReason: start.restartReason)
        }
        if stop == nil, Task.isCancelled || stopRequest.isRequested, statistics.done < statistics.totalRows ?? 0 { stop = .interrupted }
        await spend?.flush()
        let complete = stop == nil && statistics.done == statistics.totalRows
        try await recorder.finish(outcome: complete ? "complete" : stop?.name ?? "incomplete")
        statistics = recorder.statistics
        progress.finish(statistics)
        let elapsed = progress.elapsed
        try SummaryFileWriter.write(
            statistics, configuration: configuration, elapsed: elapsed, complete: complete,
            budgetStopped: stop.map { if case .budget = $0 { true } else { false } } ?? false)
        return RunReport(statistics: statistics, complete: complete, stop: stop, elapsed: elapsed, restartReason: start.restartReason)
    }

    /// A shared job's worker ends: its part is committed; its chunks are done when every row
    /// they hold has a record (rows left pending stay claimable, for another worker or the
    /// next run); its lease ends; and when the whole job is done, the first worker to see it
    /// writes the job's one output and summary from every worker's part.
    ///
    /// A worker whose rows are done waits while other live workers hold chunks (holding
    /// none itself): when one of them dies, its chunks become claimable and this worker runs
    /// again (nil) to finish them.
    private func finishWorker(
        _ shared: any SharedJobState, run: Int64, stop knownStop: JobStop?, recorder: Recorder, spend: SpendGuard?,
        claims: (any RowClaims)?, restartReason: String?
    ) async throws -> RunReport? {
        var stop = knownStop
        if stop == nil, Task.isCancelled || stopRequest.isRequested { stop = .interrupted }
        let statistics = recorder.statistics
        let settled = stop == nil && statistics.transientFailures == 0 && statistics.unconfirmedRefusals == 0
        do {
            try await recorder.finish(outcome: settled ? "complete" : stop?.name ?? "incomplete")
            if settled { try await claims?.settleDone() }
        } catch {
            await shared.leave(run: run)
            throw error
        }
        await shared.leave(run: run)
        var complete = try await shared.jobDone()
        if settled, !complete, let claims {
            var told = false
            while try await claims.othersHoldChunks(), !stopRequest.isRequested, !Task.isCancelled {
                if !told {
                    progress.note("this worker's rows are done; waiting for the other workers to finish theirs")
                    told = true
                }
                try await clock.sleep(for: Self.workerPoll)
            }
            complete = try await shared.jobDone()
            // Chunks nobody holds: a worker died (or stopped) and left them.
            if !complete, !stopRequest.isRequested, !Task.isCancelled {
                progress.note("chunks of rows left by a worker that stopped or died: taking them over")
                return nil
            }
        }
        progress.finish(recorder.statistics)
        if complete, try await shared.beginCollect() {
            defer { Task { await shared.endCollect() } }
            let collected = try await Self.collect(shared, configuration: configuration)
            progress.note("job '\(configuration.name)' is done: \(collected) records from the workers' parts in \(configuration.output.path)")
        } else if complete {
            progress.note("job '\(configuration.name)' is done; another worker writes \(configuration.output.path)")
        } else if stop == nil {
            progress.note(
                "this worker's rows are done; others are left pending — run the same command again (on any machine) to finish the job, then `promptmill collect \(configuration.pipelinePath)`"
            )
        }
        var report = RunReport(
            statistics: recorder.statistics, complete: complete && stop == nil, stop: stop, elapsed: progress.elapsed, restartReason: restartReason)
        report.job = try shared.store.progress().map { RunStatistics(job: $0, configuration: configuration) }
        return report
    }

    /// Writes a shared job's output from its workers' parts, its rejects and its summary
    /// (every worker's figures); returns the records written. `promptmill collect` and the
    /// last worker call it.
    public static func collect(_ shared: any SharedJobState, configuration: PipelineConfiguration) async throws -> Int {
        let parts = try shared.parts()
        let result = try PartCollector.collect(parts, into: configuration.output.path)
        try PartCollector.collectRejects(parts, into: configuration.output.rejectsPath)
        guard let progress = try shared.store.progress() else { return result.records }
        var statistics = RunStatistics(job: progress, configuration: configuration)
        // Every worker's spend (run 0 holds nothing open: the job's whole spend).
        statistics.spent = try? await shared.spend(run: 0).spent()
        // The job's time: from its first run's start to now, whichever worker collects.
        let elapsed = Duration.seconds(max(0, Date().timeIntervalSince(progress.startedAt)))
        try SummaryFileWriter.write(
            statistics, configuration: configuration, elapsed: elapsed, complete: statistics.done == statistics.totalRows,
            budgetStopped: progress.lastOutcome == JobStop.budget(cap: .zero, spent: .zero).name)
        return result.records
    }

    /// Each step's planner, dispatcher and throttle. Steps on one model share its throttle:
    /// OpenAI's rate limits are per model.
    private func steps(
        answers: (any AnswerStore)?, generation: JobGeneration, spend: SpendGuard?, contact: ServerContact, telemetry: RunTelemetry,
        ways: [RunWay],
        deadline: Date?, batchStore: (any BatchStore)?, fingerprint: String, rows: Int
    ) throws -> ([RowFlow.Step], [BatchQueue]) {
        let stages = configuration.stages
        var throttles: [String: any SendThrottle] = [:]
        var queues: [BatchQueue] = []
        let flowSteps = try stages.indices.map { index in
            var view = stages[index].configuration
            let way = ways[index]
            // Live requests at flex ask for it; a batch's stragglers go live at the tier the
            // plan allows.
            let liveTier = way.tier == .batch ? way.stragglerTier : way.tier
            if liveTier == .flex { view.params.append("service_tier", .string(ServiceTier.flex.rawValue)) }
            let throttle =
                self.throttle ?? throttles[view.model]
                ?? shared?.throttle(model: view.model, baseURL: view.api.baseURL, limits: view.limits, clock: clock)
                ?? Self.rateLimiter(view.limits, clock: clock)
            if throttles[view.model] == nil { telemetry.watch(throttle, model: view.model) }
            throttles[view.model] = throttle
            let planner = try StepPlanner(index: index, of: stages, store: answers, generation: generation)
            let settler = Settler(store: answers, generation: generation, model: view.model, prices: view.prices, spend: spend, logger: logger)
            var dispatcher = LiveDispatcher(
                configuration: view, transport: transport,
                policy: RetryPolicy(maxRetries: view.limits.maxRetries, maxWait: view.limits.maxWait),
                clock: clock, throttle: throttle, settler: settler, completionBudget: planner.completionBudget,
                tokenizer: try Tokenizer.shared(view.encoding), contact: contact, seed: seed,
                flexSwitch: liveTier == .flex
                    ? FlexSwitch(
                        deadline: deadline, rows: rows,
                        secondsPerRow: view.limits.requestsPerMinute.map { 60 / Double($0) / Double(max(1, view.batchSize)) } ?? 0) : nil,
                telemetry: StepTelemetry(run: telemetry, step: stages[index].name))
            guard way.tier == .batch, let batchStore else {
                if StreamedAnswer.streamable(view) { dispatcher.headProbe = HeadProbe() }
                return RowFlow.Step(
                    planner: planner, dispatcher: dispatcher, throttle: throttle, maxConcurrency: view.limits.maxConcurrency,
                    headProbe: dispatcher.headProbe)
            }
            let queue = BatchQueue(
                settings: BatchQueue.Settings(
                    step: index, jobName: configuration.name, fingerprint: fingerprint,
                    directory: configuration.stateDirectory + "/batches", firstPoll: options.batchPoll, cutoff: way.batchCutoff,
                    detach: options.detach),
                configuration: stages[index].configuration, api: BatchAPI(api: view.api, transport: transport), store: batchStore,
                live: dispatcher, clock: clock, logger: logger, progress: progress, contact: contact)
            queues.append(queue)
            let batch = BatchDispatcher(
                queue: queue, configuration: stages[index].configuration, completionBudget: planner.completionBudget, live: dispatcher)
            return RowFlow.Step(planner: planner, dispatcher: batch, throttle: throttle, maxConcurrency: view.limits.maxConcurrency)
        }
        return (flowSteps, queues)
    }

    private static func rateLimiter(_ limits: PipelineConfiguration.Limits, clock: any Clock<Duration>) -> any SendThrottle {
        func make(_ clock: some Clock<Duration>) -> any SendThrottle {
            RateLimiter(requestsPerMinute: limits.requestsPerMinute, tokensPerMinute: limits.tokensPerMinute, clock: clock)
        }
        return make(clock)
    }
}

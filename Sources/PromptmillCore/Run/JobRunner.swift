import Foundation
import Logging
import PromptmillTokenizer

/// Runs one job, or continues it: takes the job's lock, reads what its ledger recorded,
/// serves every row it can from the response cache and sends the rest in batches with
/// bounded concurrency, writing every row's record exactly once and the summary.
public struct JobRunner: Sendable {
    /// How this run treats the job's earlier progress.
    public struct Options: Sendable {
        /// Forget the job's earlier progress and output; the cache stays.
        public var fresh: Bool

        public init(fresh: Bool = false) {
            self.fresh = fresh
        }
    }

    let configuration: PipelineConfiguration
    let options: Options
    let transport: any HTTPTransport
    let progress: ProgressReporter
    let logger: Logger
    let clock: any Clock<Duration>
    let throttle: any SendThrottle
    let stopRequest: StopRequest
    /// Seeds the retry jitter (tests and benchmarks); nil: the system's random source.
    let seed: UInt64?

    /// Rows rendered, hashed and looked up in the cache together.
    static let lookupBatch = 512

    /// `throttle` defaults to a `RateLimiter` with the pipeline's limits (learning them from
    /// the answers' headers when the pipeline sets none).
    public init(configuration: PipelineConfiguration, options: Options = Options(), transport: any HTTPTransport,
                progress: ProgressReporter, logger: Logger = Logger(label: "promptmill"),
                clock: any Clock<Duration> = ContinuousClock(), throttle: (any SendThrottle)? = nil,
                stopRequest: StopRequest = StopRequest(), seed: UInt64? = nil) {
        self.stopRequest = stopRequest
        self.seed = seed
        self.configuration = configuration
        self.options = options
        self.transport = transport
        self.progress = progress
        self.logger = logger
        self.clock = clock
        self.throttle = throttle ?? RateLimiter(requestsPerMinute: configuration.limits.requestsPerMinute,
                                                tokensPerMinute: configuration.limits.tokensPerMinute,
                                                clock: ContinuousClock())
    }

    /// The guard that keeps the job's spend under its budget; nil when the model has no price.
    /// Spend starts at what earlier runs paid: their records, their requests of unknown fate
    /// and, after a kill, the answers they were paid for but never recorded.
    private func spendGuard(start: JobLedger.Start, cache: ResponseCache?, ledger: JobLedger) throws -> SpendGuard? {
        // Each step's model with its prices; no guard when one has none.
        var pricesByModel: [String: ModelPrices] = [:]
        for view in configuration.steps.isEmpty ? [configuration] : configuration.steps.map(\.configuration) {
            guard let prices = view.prices else { return nil }
            pricesByModel[view.model] = prices
        }
        let known = start.progress
        // Requests in flight when an earlier run was killed may all have been billed.
        var spent = (known.records.cost ?? .zero) + known.runs.held + known.runs.open
        // Answers paid for but not in a record: a killed run's last ones, and every earlier
        // step's of a multi-step job that stopped before its last pass.
        let unrecorded = start.mayHaveUnrecordedAnswers || (configuration.steps.count > 1 && known.runCount > 0)
        if configuration.budget.maxUSD != nil || configuration.budget.warnUSD != nil, unrecorded, let cache {
            for answer in try cache.answersPaid(by: known.generation) where !known.done.contains(answer.row) {
                spent += (pricesByModel[answer.model] ?? configuration.prices)?.cost(of: answer.usage) ?? .zero
            }
        }
        let progress = progress
        let run = start.runID
        let logger = logger
        return SpendGuard(cap: configuration.budget.maxUSD, warnAt: configuration.budget.warnUSD, spent: spent,
                          record: { open, held in
                              do {
                                  try ledger.recordSpend(run: run, open: open, held: held)
                              } catch {
                                  logger.warning("\(error)")
                              }
                          }, warn: { progress.warning($0) })
    }

    /// A step's result as a multi-step record shows it.
    static func outcome(_ result: RowResult, _ view: PipelineConfiguration, step name: String) -> StepOutcome {
        switch result.outcome {
        case .completed(let output, let finishReason, let usage):
            return StepOutcome(name: name, model: view.model,
                               kind: .answered(output: output, finishReason: finishReason, usage: usage, cached: false, attempts: result.attempts),
                               prices: view.prices)
        case .failed(let failure):
            return StepOutcome(name: name, model: view.model, kind: .failed(failure, attempts: result.attempts), prices: view.prices)
        }
    }

    /// How many of `rows`, from the first, fit in `available`.
    static func rowsFitting(_ rows: [PreparedRow], available: Money, sender: BatchSender) -> Int {
        var count = 0
        while count < rows.count, sender.worstCase(Array(rows.prefix(count + 1))) <= available { count += 1 }
        return count
    }

    /// Throws `StateError` when another run holds the job or its state cannot be used,
    /// `BadRowsError` or `InputError` before anything is sent, `OutputError` when the
    /// results cannot be written.
    public func run() async throws -> RunReport {
        let lock = try JobLock(path: JobLock.path(stateDirectory: configuration.stateDirectory, jobName: configuration.name),
                               jobName: configuration.name)
        defer { withExtendedLifetime(lock) {} }
        let ledger = try JobLedger(path: JobLedger.path(stateDirectory: configuration.stateDirectory, jobName: configuration.name))
        let fingerprint = JobFingerprint(configuration)

        // Check the input before anything is sent, unless a run has already read this very
        // input with these settings and recorded what it holds.
        let scanned: (rows: Int, badRows: Int)
        if let stored = try ledger.storedInputScan(for: fingerprint) {
            scanned = stored
        } else {
            let scan = try InputScan.scan(configuration)
            if configuration.input.onBadRow == .fail, scan.badRows > 0 { throw BadRowsError(scan: scan) }
            scanned = (scan.rows, scan.badRows)
        }
        let start = try ledger.start(name: configuration.name, fingerprint: fingerprint, outputPath: configuration.output.path,
                                     fresh: options.fresh)
        try ledger.recordInputScan(fingerprint: fingerprint, rows: scanned.rows, badRows: scanned.badRows)
        let known = start.progress
        if let reason = start.restartReason {
            progress.note(reason + (configuration.cache.enabled ? "; rows whose request is unchanged come from the cache, the rest are sent" : ""))
        } else if start.resumed {
            progress.note("continuing job '\(configuration.name)': \(known.records.items) of \(scanned.rows) rows already have a record")
        }

        try FileManager.default.createDirectory(atPath: (configuration.output.path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        // A multi-step job keeps its steps' answers in a cache of its own when the shared one is off.
        let cache = configuration.cache.enabled ? try ResponseCache(path: configuration.cache.path)
            : configuration.steps.count > 1 ? try ResponseCache(path: configuration.stateDirectory + "/" + configuration.name + ".steps.sqlite")
            : nil
        let sink = try OutputSink(path: configuration.output.path, keepingFirst: known.outputEnd, done: known.done,
                                  ledger: ledger, run: start.runID, prices: configuration.prices)
        let spend = try spendGuard(start: start, cache: cache, ledger: ledger)
        let rejects = RejectsFileWriter(path: configuration.output.rejectsPath)

        var statistics = RunStatistics(totalRows: scanned.rows + scanned.badRows)
        statistics.resumedRows = known.records.items
        statistics.requests = known.runs.requests
        statistics.retries = known.runs.retries
        statistics.rateLimited = known.runs.rateLimited
        let earlier = known.runs
        func counters() -> JobLedger.RunCounters {
            var counters = JobLedger.RunCounters()
            counters.requests = statistics.requests - earlier.requests
            counters.retries = statistics.retries - earlier.retries
            counters.rateLimited = statistics.rateLimited - earlier.rateLimited
            return counters
        }
        /// The record figures: the earlier runs' from the ledger, this run's from the sink.
        func countRecords() {
            var records = known.records
            records += sink.appendedTotals
            statistics.succeeded = records.succeeded
            statistics.failed = records.failed
            statistics.cacheHits = records.cacheHits
            statistics.usage = records.usage
            statistics.savedUsage = records.savedUsage
            let priced = configuration.prices != nil || configuration.steps.count > 1
            statistics.cost = priced ? records.cost : nil
            statistics.saved = priced ? records.saved : nil
            statistics.spent = spend?.spentSoFar
            statistics.models = records.models
        }
        countRecords()

        // With no limits configured, the first answer's headers teach them: send one batch
        // alone first, then run at the learned rate.
        var limitsKnown = configuration.limits.requestsPerMinute != nil || configuration.limits.tokensPerMinute != nil
        var stop: JobStop?

        /// Sends, for one step (`view`: the step as a one-step pipeline), the rows `nextRows`
        /// gives (those the cache did not have, in input order; nil at the input's end), in
        /// batches with bounded concurrency under the rate limits and the budget, and hands
        /// every result to `record`. A row asking exactly what a row already waiting or in
        /// flight asks (the same cache key) is not sent: it follows that row, and `follow`
        /// gets it with the leader's result when that arrives, as a cache hit.
        func sendAll(_ view: PipelineConfiguration, nextRows: () throws -> [PreparedRow]?,
                     record: ([RowResult]) throws -> Void, follow: (PreparedRow, RowResult) throws -> Void) async throws {
            let completionBudget = CompletionBudget.perPrompt(view)
            let sender = BatchSender(configuration: view, transport: transport,
                                     policy: RetryPolicy(maxRetries: view.limits.maxRetries), clock: clock,
                                     throttle: throttle, tokenizer: try Tokenizer.shared(view.encoding),
                                     completionBudget: completionBudget, seed: seed,
                                     cache: cache, generation: known.generation, logger: logger,
                                     prices: view.prices, spend: spend)
            var exhausted = false
            // Rows waiting to be sent, in input order.
            var unsent: [PreparedRow] = []
            var unsentStart = 0
            // Rows waiting for the answer of an earlier row with the same key, by that key.
            var followers: [ResponseCacheKey: [PreparedRow]] = [:]

            func deliver(_ results: [RowResult]) throws {
                try record(results)
                for result in results {
                    guard let key = result.row.cacheKey, let waiting = followers.removeValue(forKey: key) else { continue }
                    for row in waiting { try follow(row, result) }
                }
            }

            func fill() throws {
                while unsent.count - unsentStart < view.batchSize, !exhausted {
                    if stopRequest.isRequested || Task.isCancelled { return }
                    guard let rows = try nextRows() else {
                        exhausted = true
                        return
                    }
                    for row in rows {
                        if let key = row.cacheKey {
                            if followers[key] != nil {
                                followers[key]!.append(row)
                                continue
                            }
                            followers[key] = []
                        }
                        unsent.append(row)
                    }
                }
            }

            func nextBatch() -> [PreparedRow] {
                var count = min(view.batchSize, unsent.count - unsentStart)
                // One request speaks for one end user: a batch ends where the user changes.
                if count > 1, let user = unsent[unsentStart].user {
                    count = (unsentStart..<(unsentStart + count)).prefix { unsent[$0].user == user }.count
                }
                let batch = Array(unsent[unsentStart..<(unsentStart + count)])
                unsentStart += count
                if unsentStart >= 4096 {
                    unsent.removeFirst(unsentStart)
                    unsentStart = 0
                }
                return batch
            }

            try await withThrowingTaskGroup(of: Result<BatchSender.Report, JobStop>.self) { group in
                var inFlight = 0
                func absorb(_ outcome: Result<BatchSender.Report, JobStop>) throws {
                    inFlight -= 1
                    switch outcome {
                    case .success(let report):
                        statistics.requests += report.requests
                        statistics.retries += report.retries
                        statistics.rateLimited += report.rateLimited
                        try deliver(report.results)
                        if !report.unsent.isEmpty, stop == nil, let spend, let cap = spend.cap {
                            // A retry found no room under the cap: those rows wait for a rerun.
                            stop = .budget(cap: cap, spent: spend.spentSoFar)
                        }
                    case .failure(let reason):
                        if stop == nil { stop = reason }
                    }
                }
                while stop == nil {
                    if Task.isCancelled || stopRequest.isRequested {
                        stop = .interrupted
                        break
                    }
                    try fill()
                    let batch = nextBatch()
                    guard !batch.isEmpty else {
                        if !exhausted { continue }
                        break
                    }
                    let tokenCost = batch.reduce(0) { $0 + $1.promptTokens + completionBudget }
                    let (requests, tooLarge) = RequestFitter.fit(batch, cost: tokenCost, completionBudget: completionBudget,
                                                                 capacity: await throttle.tokensPerMinute, endpoint: view.endpoint)
                    try deliver(tooLarge)
                    requestLoop: for (rows, cost) in requests {
                        var pending = rows
                        while !pending.isEmpty {
                            if inFlight >= view.limits.maxConcurrency, let outcome = try await group.next() {
                                try absorb(outcome)
                            }
                            // A stop (the API's, the budget's, the user's) sends nothing more.
                            if stop != nil || stopRequest.isRequested || Task.isCancelled { break requestLoop }
                            // Reserve the request's worst case under the budget before it is sent.
                            var sending = pending
                            if let spend, spend.cap != nil {
                                if await !spend.reserve(sender.worstCase(sending)) {
                                    // Nothing else is open and the whole batch does not fit: send
                                    // the rows that do, and stop when not even one fits.
                                    let fitting = Self.rowsFitting(pending, available: spend.available ?? .zero, sender: sender)
                                    guard fitting > 0, await spend.reserve(sender.worstCase(Array(pending.prefix(fitting)))) else {
                                        stop = .budget(cap: spend.cap!, spent: spend.spentSoFar)
                                        break requestLoop
                                    }
                                    sending = Array(pending.prefix(fitting))
                                }
                            }
                            pending.removeFirst(sending.count)
                            let tokenCost = sending.count == rows.count ? cost
                                : sending.reduce(0) { $0 + $1.promptTokens + completionBudget }
                            let reserved = spend?.cap != nil
                            group.addTask {
                                do throws(JobStop) {
                                    return .success(try await sender.send(sending, tokenCost: tokenCost, reserved: reserved))
                                } catch {
                                    return .failure(error)
                                }
                            }
                            inFlight += 1
                            if !limitsKnown || !pending.isEmpty, let outcome = try await group.next() {
                                // Learning the limits, or waiting for room under the budget.
                                try absorb(outcome)
                                limitsKnown = true
                            }
                        }
                    }
                }
                while let outcome = try await group.next() {
                    try absorb(outcome)
                }
            }
        }

        /// After records: the member is ended when due, and the figures and progress follow.
        func recorded() throws {
            try sink.flushIfDue(counters())
            countRecords()
            progress.update(statistics)
        }

        if configuration.steps.count <= 1 {
            let tokenizer = try Tokenizer.shared(configuration.encoding)
            let rows = RowPrefetcher(preparer: try RowPreparer(configuration: configuration),
                                     keyer: cache == nil ? nil : ResponseCacheKeyer(configuration: configuration),
                                     skip: known.done, chunkSize: Self.lookupBatch)
            defer { rows.cancel() }
            // Rows the cache has are written on the way, without a request.
            try await sendAll(configuration, nextRows: {
                guard let chunk = try rows.next() else { return nil }
                for problem in chunk.problems {
                    try rejects.append(problem)
                    statistics.rejectedRows += 1
                }
                let looked = chunk.rows
                var found = [Bool](repeating: false, count: looked.count)
                try cache?.lookUp(looked.map { $0.cacheKey! }) { index, hit in
                    sink.append(looked[index], hit: hit, paidHere: known.generation.paid(hit.paidBy, row: looked[index].number))
                    found[index] = true
                }
                var misses: [PreparedRow] = []
                for index in looked.indices where !found[index] {
                    var row = looked[index]
                    row.promptTokens = APIRequest.promptTokens(row, tokenizer: tokenizer)
                    misses.append(row)
                }
                try recorded()
                return misses
            }, record: { results in
                for result in results { sink.append(result) }
                try recorded()
            }, follow: { row, leader in
                switch leader.outcome {
                case .completed(let output, let finishReason, let usage):
                    sink.append(row, output: output, finishReason: finishReason, usage: usage)
                case .failed(let failure):
                    sink.append(RowResult(row: row, outcome: .failed(failure), attempts: 0))
                }
                try recorded()
            })
        } else {
            // A pass per step over the input: each step's answers go to the cache, where the
            // next pass finds them; the last pass writes each row's record with every step.
            guard let cache else { throw StateError.cannotOpen(path: "", what: "response cache", reason: "a multi-step job needs one") }
            let memory = StepMemory()
            let last = configuration.steps.count - 1
            for index in configuration.steps.indices {
                if stop != nil || stopRequest.isRequested || Task.isCancelled { break }
                let view = configuration.steps[index].configuration
                progress.note("step \(index + 1) of \(configuration.steps.count): \(configuration.steps[index].name) (\(view.endpoint.rawValue), \(view.model))")
                var source = try StepRows(configuration: configuration, step: index, cache: cache, generation: known.generation,
                                          skip: sink.done, memory: memory)
                try await sendAll(view, nextRows: {
                    guard let chunk = try source.next(size: Self.lookupBatch) else { return nil }
                    if index == last {
                        for problem in chunk.problems {
                            try rejects.append(problem)
                            statistics.rejectedRows += 1
                        }
                        for (row, steps) in chunk.finished { sink.append(row, steps: steps) }
                        try recorded()
                    }
                    return chunk.toSend
                }, record: { results in
                    for result in results {
                        switch result.outcome {
                        case .failed(let failure):
                            if index == last {
                                sink.append(result.row, steps: result.row.earlier + [Self.outcome(result, view, step: configuration.steps[index].name)])
                            } else {
                                memory.failed(row: result.row.number, step: index, failure: failure, attempts: result.attempts)
                            }
                        case .completed(_, _, let usage):
                            if index == last {
                                sink.append(result.row, steps: result.row.earlier + [Self.outcome(result, view, step: configuration.steps[index].name)])
                            } else {
                                memory.paid(row: result.row.number, step: index, usage: usage, attempts: result.attempts)
                            }
                        }
                    }
                    try recorded()
                }, follow: { row, leader in
                    // A follower's answer is the leader's, in the cache: the next pass finds it
                    // there; the last writes the record now.
                    let name = configuration.steps[index].name
                    switch leader.outcome {
                    case .completed(let output, let finishReason, let usage):
                        guard index == last else { return }
                        let kind = StepOutcome.Kind.answered(output: output, finishReason: finishReason, usage: usage, cached: true, attempts: 0)
                        sink.append(row, steps: row.earlier + [StepOutcome(name: name, model: view.model, kind: kind, prices: view.prices)])
                    case .failed(let failure):
                        if index == last {
                            sink.append(row, steps: row.earlier + [StepOutcome(name: name, model: view.model, kind: .failed(failure, attempts: 0),
                                                                               prices: view.prices)])
                        } else {
                            memory.failed(row: row.number, step: index, failure: failure, attempts: 0)
                        }
                    }
                    try recorded()
                })
            }
        }
        if stop == nil, Task.isCancelled || stopRequest.isRequested, statistics.done < statistics.totalRows ?? 0 { stop = .interrupted }
        spend?.flush()
        let complete = stop == nil && statistics.done == statistics.totalRows
        try sink.finish(counters(), outcome: complete ? "complete" : stop?.name ?? "incomplete")
        try rejects.close()
        progress.finish(statistics)
        let elapsed = progress.elapsed
        statistics.spent = spend?.spentSoFar
        try SummaryFileWriter.write(statistics, configuration: configuration, elapsed: elapsed, complete: complete,
                                    budgetStopped: stop.map { if case .budget = $0 { true } else { false } } ?? false)
        return RunReport(statistics: statistics, complete: complete, stop: stop, elapsed: elapsed,
                         restartReason: start.restartReason)
    }
}

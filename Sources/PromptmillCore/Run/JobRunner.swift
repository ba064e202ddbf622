import Foundation
import Logging
import PromptmillTokenizer

/// Runs one job: checks the input, sends its rows in batches with bounded concurrency, and
/// writes every row's record and the summary.
public struct JobRunner: Sendable {
    let configuration: PipelineConfiguration
    let transport: any HTTPTransport
    let progress: ProgressReporter
    let logger: Logger
    let clock: any Clock<Duration>
    let throttle: any SendThrottle
    let stopRequest: StopRequest
    /// Seeds the retry jitter (tests and benchmarks); nil: the system's random source.
    let seed: UInt64?

    /// `throttle` defaults to a `RateLimiter` with the pipeline's limits (learning them from
    /// the answers' headers when the pipeline sets none).
    public init(configuration: PipelineConfiguration, transport: any HTTPTransport, progress: ProgressReporter,
                logger: Logger = Logger(label: "promptmill"), clock: any Clock<Duration> = ContinuousClock(),
                throttle: (any SendThrottle)? = nil, stopRequest: StopRequest = StopRequest(), seed: UInt64? = nil) {
        self.stopRequest = stopRequest
        self.seed = seed
        self.configuration = configuration
        self.transport = transport
        self.progress = progress
        self.logger = logger
        self.clock = clock
        self.throttle = throttle ?? RateLimiter(requestsPerMinute: configuration.limits.requestsPerMinute,
                                                tokensPerMinute: configuration.limits.tokensPerMinute,
                                                clock: ContinuousClock())
    }

    /// Throws `BadRowsError` or `InputError` before anything is sent; `OutputError` when the
    /// results cannot be written.
    public func run() async throws -> RunReport {
        let scan = try InputScan.scan(configuration)
        if configuration.input.onBadRow == .fail, scan.badRows > 0 { throw BadRowsError(scan: scan) }

        try FileManager.default.createDirectory(atPath: (configuration.output.path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let resultsFile = try ResultFileWriter(path: configuration.output.path)
        let rejects = RejectsFileWriter(path: configuration.output.rejectsPath)
        var statistics = RunStatistics(totalRows: scan.rows + scan.badRows)
        let tokenizer = try Tokenizer.shared(configuration.encoding)
        let completionBudget = CompletionBudget.maxTokens(configuration.params, endpoint: configuration.endpoint)
            * CompletionBudget.choices(configuration.params)
        let sender = BatchSender(configuration: configuration, transport: transport,
                                 policy: RetryPolicy(maxRetries: configuration.limits.maxRetries), clock: clock,
                                 throttle: throttle, tokenizer: tokenizer, completionBudget: completionBudget, seed: seed)
        // With no limits configured, the first answer's headers teach them: send one batch
        // alone first, then run at the learned rate.
        var limitsKnown = configuration.limits.requestsPerMinute != nil || configuration.limits.tokensPerMinute != nil
        var stop: JobStop?
        var preparer = try RowPreparer(configuration: configuration)
        var exhausted = false

        try await withThrowingTaskGroup(of: Result<BatchSender.Report, JobStop>.self) { group in
            var inFlight = 0
            func absorb(_ outcome: Result<BatchSender.Report, JobStop>) throws {
                inFlight -= 1
                switch outcome {
                case .success(let report):
                    try record(report.results)
                    statistics.requests += report.requests
                    statistics.retries += report.retries
                    statistics.rateLimited += report.rateLimited
                    statistics.usage += report.usage
                    progress.update(statistics)
                case .failure(let reason):
                    if stop == nil { stop = reason }
                }
            }
            func record(_ results: [RowResult]) throws {
                for result in results {
                    try resultsFile.append(result)
                    if case .completed = result.outcome { statistics.succeeded += 1 } else { statistics.failed += 1 }
                }
            }
            while stop == nil, !exhausted {
                if Task.isCancelled || stopRequest.isRequested {
                    stop = .interrupted
                    break
                }
                var batch: [PreparedRow] = []
                var tokenCost = 0
                batch.reserveCapacity(configuration.batchSize)
                while batch.count < configuration.batchSize {
                    guard let next = try preparer.next() else {
                        exhausted = true
                        break
                    }
                    switch next {
                    case .row(var row):
                        row.promptTokens = tokenizer.count(row.prompt)
                        batch.append(row)
                        tokenCost += row.promptTokens + completionBudget
                    case .bad(let problem):
                        try rejects.append(problem)
                        statistics.rejectedRows += 1
                    }
                }
                guard !batch.isEmpty else { break }
                let (requests, tooLarge) = RequestFitter.fit(batch, cost: tokenCost, completionBudget: completionBudget,
                                                             capacity: await throttle.tokensPerMinute)
                try record(tooLarge)
                for (rows, cost) in requests {
                    if inFlight >= configuration.limits.maxConcurrency, let outcome = try await group.next() {
                        try absorb(outcome)
                    }
                    group.addTask {
                        do throws(JobStop) {
                            return .success(try await sender.send(rows, tokenCost: cost))
                        } catch {
                            return .failure(error)
                        }
                    }
                    inFlight += 1
                    if !limitsKnown, let outcome = try await group.next() {
                        try absorb(outcome)
                        limitsKnown = true
                    }
                }
                progress.update(statistics)
            }
            while let outcome = try await group.next() {
                try absorb(outcome)
            }
        }
        if stop == nil, Task.isCancelled || stopRequest.isRequested, statistics.done < statistics.totalRows ?? 0 { stop = .interrupted }
        try resultsFile.close()
        try rejects.close()
        progress.finish(statistics)
        let complete = stop == nil && statistics.done == statistics.totalRows
        let elapsed = progress.elapsed
        try SummaryFileWriter.write(statistics, model: configuration.model, elapsed: elapsed, complete: complete,
                                    to: configuration.output.summaryPath)
        return RunReport(statistics: statistics, complete: complete, stop: stop, elapsed: elapsed)
    }
}

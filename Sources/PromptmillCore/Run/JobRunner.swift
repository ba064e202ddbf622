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

    /// `throttle` defaults to a `RateLimiter` with the pipeline's limits (learning them from
    /// the answers' headers when the pipeline sets none).
    public init(configuration: PipelineConfiguration, transport: any HTTPTransport, progress: ProgressReporter,
                logger: Logger = Logger(label: "promptmill"), clock: any Clock<Duration> = ContinuousClock(),
                throttle: (any SendThrottle)? = nil) {
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
        let results = try ResultFileWriter(path: configuration.output.path)
        let rejects = RejectsFileWriter(path: configuration.output.rejectsPath)
        var statistics = RunStatistics(totalRows: scan.rows + scan.badRows)
        let sender = BatchSender(configuration: configuration, transport: transport,
                                 policy: RetryPolicy(maxRetries: configuration.limits.maxRetries), clock: clock,
                                 throttle: throttle, tokenizer: try Tokenizer.shared(configuration.encoding))
        let tokenizer = try Tokenizer.shared(configuration.encoding)
        let completionBudget = CompletionBudget.maxTokens(configuration.params, endpoint: configuration.endpoint)
            * CompletionBudget.choices(configuration.params)
        var stop: JobStop?
        var preparer = try RowPreparer(configuration: configuration)
        var exhausted = false

        try await withThrowingTaskGroup(of: Result<BatchSender.Report, JobStop>.self) { group in
            var inFlight = 0
            func absorb(_ outcome: Result<BatchSender.Report, JobStop>) throws {
                inFlight -= 1
                switch outcome {
                case .success(let report):
                    for result in report.results {
                        try results.append(result)
                        if case .completed = result.outcome { statistics.succeeded += 1 } else { statistics.failed += 1 }
                    }
                    statistics.requests += report.requests
                    statistics.retries += report.retries
                    statistics.rateLimited += report.rateLimited
                    statistics.usage += report.usage
                    progress.update(statistics)
                case .failure(let reason):
                    if stop == nil { stop = reason }
                }
            }
            while stop == nil, !exhausted {
                if Task.isCancelled {
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
                if inFlight >= configuration.limits.maxConcurrency, let outcome = try await group.next() {
                    try absorb(outcome)
                    if stop != nil { break }
                }
                let rows = batch, cost = tokenCost
                group.addTask {
                    do throws(JobStop) {
                        return .success(try await sender.send(rows, tokenCost: cost))
                    } catch {
                        return .failure(error)
                    }
                }
                inFlight += 1
            }
            while let outcome = try await group.next() {
                try absorb(outcome)
            }
        }
        if stop == nil, Task.isCancelled { stop = .interrupted }
        try results.close()
        try rejects.close()
        progress.finish(statistics)
        let complete = stop == nil && statistics.done == statistics.totalRows
        let elapsed = progress.elapsed
        try SummaryFileWriter.write(statistics, model: configuration.model, elapsed: elapsed, complete: complete,
                                    to: configuration.output.summaryPath)
        return RunReport(statistics: statistics, complete: complete, stop: stop, elapsed: elapsed)
    }
}

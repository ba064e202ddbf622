import Dispatch
import Foundation

/// Collects records into gzip members and hands each finished member to a writer thread,
/// which compresses it, appends it, makes it durable and then commits it to the ledger
/// with the rows it holds. Encoding (here) and compressing (there) run on both cores.
///
/// A member ends when it holds `memberBytes` of JSON, or when it is `memberAge` old:
/// a kill loses at most that much of the output, and everything lost was already paid for
/// and cached, so the next run writes it again without a request.
final class OutputSink {
    private var buffer: JSONWriter
    private var rows = RowRanges()
    private var totals = JobLedger.RecordTotals()
    private var memberStarted: ContinuousClock.Instant?
    private let writer: MemberWriter
    private let memberBytes: Int
    private let memberAge: Duration
    private let clock = ContinuousClock()
    /// Rows recorded, this run and earlier ones: a guard against writing any row twice.
    private(set) var done: RowSet
    /// The job's steps (names, models, prices), for the records' encoder.
    private let stages: [PipelineConfiguration.Step]
    /// Each step's model and prices (nil: unknown costs), by step, read once per record.
    private let models: [String]
    private let prices: [ModelPrices?]
    private let recordsEachStep: Bool

    init(
        path: String, keepingFirst length: UInt64, done: RowSet, store: any JobStore, run: Int64, configuration: PipelineConfiguration,
        memberBytes: Int = 2 << 20, memberAge: Duration = .seconds(1)
    ) throws {
        writer = try MemberWriter(path: path, keepingFirst: length, store: store, run: run)
        self.done = done
        stages = configuration.stages
        models = stages.map(\.configuration.model)
        prices = stages.map(\.configuration.prices)
        recordsEachStep = configuration.recordsEachStep
        self.memberBytes = memberBytes
        self.memberAge = memberAge
        buffer = JSONWriter(capacity: memberBytes + (64 << 10))
    }

    /// A row whose steps are all settled (answered, reused, skipped, or one failed).
    func append(_ row: PreparedRow) {
        guard begin(row.number) else { return }
        OutputRecordEncoder.encode(row, stages: stages, eachStep: recordsEachStep, into: &buffer)
        totals.items += 1
        var failed = false
        var answered = 0
        var reused = 0
        for outcome in row.settled {
            let prices = prices[outcome.step]
            var figures = JobLedger.ModelFigures()
            switch outcome.kind {
            case .answered(_, let usage, _):
                answered += 1
                figures.paid(usage, prices: prices)
            case .reused(_, let usage, _):
                // Free now; what it would have cost at today's prices counts as saved.
                answered += 1
                reused += 1
                let saved = prices?.cost(of: usage)
                figures.cacheHits = 1
                figures.saved = saved
                totals.savedUsage += usage
                totals.saved += saved
            case .failed(let failure, _):
                failed = true
                // A withheld answer was billed: its cost is the job's like an answer's.
                guard let usage = failure.usage else { continue }
                figures.paid(usage, prices: prices)
            case .skipped:
                continue
            }
            totals.usage += figures.usage
            totals.cost += figures.cost
            totals.promptCacheSaved += figures.promptCacheSaved
            if recordsEachStep { totals.models[models[outcome.step], default: JobLedger.ModelFigures()] += figures }
            if figures.usage != .zero || figures.cost != .zero {
                figures.items = 1
                totals.tiers[figures.usage.tier.summaryName, default: JobLedger.ModelFigures()] += figures
            }
        }
        if failed { totals.failed += 1 } else { totals.succeeded += 1 }
        if row.settled.contains(where: \.usageCounted) { totals.countedItems += 1 }
        if answered > 0, reused == answered { totals.cacheHits += 1 }
    }

    /// A row whose one step was answered from the answer store: its stored JSON is copied
    /// into the record as it is. `paidHere`: this job paid for it in a run that was stopped
    /// before its record was written, so it is the job's own answer, not a hit.
    func append(_ row: PreparedRow, stored hit: ResponseCache.Hit, paidHere: Bool) {
        guard begin(row.number) else { return }
        let price = prices[row.renderedStep]?.cost(of: hit.usage)
        OutputRecordEncoder.encode(
            row, hit: hit, paidHere: paidHere, cost: paidHere ? price : .zero,
            structured: stages[row.renderedStep].configuration.structuredOutput != nil, into: &buffer)
        totals.items += 1
        totals.succeeded += 1
        if hit.usage.counted { totals.countedItems += 1 }
        if paidHere {
            totals.usage += hit.usage
            totals.cost += price
            var figures = JobLedger.ModelFigures()
            figures.items = 1
            figures.usage = hit.usage
            figures.cost = price
            totals.tiers[hit.usage.tier.summaryName, default: JobLedger.ModelFigures()] += figures
            totals.promptCacheSaved += prices[row.renderedStep]?.promptCacheSavings(of: hit.usage)
        } else {
            totals.cacheHits += 1
            totals.savedUsage += hit.usage
            totals.saved += price
        }
    }

    private func begin(_ row: Int) -> Bool {
        guard done.insert(row) else {
            assertionFailure("row \(row) recorded twice")
            return false
        }
        if memberStarted == nil { memberStarted = clock.now }
        rows.append(row)
        return true
    }

    /// Totals of the members handed to the writer in this run.
    private var flushedTotals = JobLedger.RecordTotals()

    /// Totals of every record appended in this run (handed over or still open).
    var appendedTotals: JobLedger.RecordTotals {
        var all = flushedTotals
        all += totals
        return all
    }

    /// Ends the member when it is big or old enough.
    func flushIfDue(_ counters: JobLedger.RunCounters) throws {
        guard let started = memberStarted else { return }
        if buffer.bytes.count >= memberBytes || clock.now - started >= memberAge { try flush(counters) }
    }

    /// Ends the member: hands it to the writer, which appends, syncs and commits it.
    func flush(_ counters: JobLedger.RunCounters) throws {
        try writer.checkFailure()
        guard !rows.isEmpty else { return }
        let bytes = buffer.bytes
        buffer.bytes = []
        buffer.bytes.reserveCapacity(memberBytes + (64 << 10))
        flushedTotals += totals
        writer.submit(bytes, rows: rows, totals: totals, counters: counters)
        rows = RowRanges()
        totals = JobLedger.RecordTotals()
        memberStarted = nil
    }

    /// Writes what is left, waits for the writer, and records how the run ended.
    func finish(_ counters: JobLedger.RunCounters, outcome: String) throws {
        try flush(counters)
        try writer.finish(counters, outcome: outcome)
    }
}

extension JobLedger.ModelFigures {
    /// An answer (or a withheld one) this job paid for: its usage, its cost and what the
    /// prompt cache saved on it, at `prices` (nil: unknown).
    fileprivate mutating func paid(_ usage: TokenUsage, prices: ModelPrices?) {
        self.usage = usage
        cost = prices?.cost(of: usage)
        promptCacheSaved = prices?.promptCacheSavings(of: usage)
    }
}

/// The writer thread of an `OutputSink`. Its state is touched only on its serial queue;
/// at most two members wait for it, so memory stays bounded when compression is the
/// slower side.
private final class MemberWriter: @unchecked Sendable {
    private let gzip: GzipMemberWriter
    private let store: any JobStore
    private let run: Int64
    private let queue = DispatchQueue(label: "promptmill.output")
    private let slots = DispatchSemaphore(value: 2)
    private let lock = NSLock()
    private var failure: (any Error)?

    init(path: String, keepingFirst length: UInt64, store: any JobStore, run: Int64) throws {
        gzip = try GzipMemberWriter(path: path, keepingFirst: length)
        self.store = store
        self.run = run
    }

    func submit(_ bytes: [UInt8], rows: RowRanges, totals: JobLedger.RecordTotals, counters: JobLedger.RunCounters) {
        slots.wait()
        queue.async { [self] in
            defer { slots.signal() }
            guard currentFailure == nil else { return }
            do {
                try gzip.write(bytes)
                let end = try gzip.finishMember()
                try gzip.sync()
                try store.commit(JobLedger.Segment(endOffset: end, rows: rows, totals: totals), run: run, counters: counters, outcome: nil)
            } catch {
                lock.withLock { failure = error }
            }
        }
    }

    private var currentFailure: (any Error)? { lock.withLock { failure } }

    func checkFailure() throws {
        if let failure = currentFailure { throw failure }
    }

    func finish(_ counters: JobLedger.RunCounters, outcome: String) throws {
        queue.sync {}
        try checkFailure()
        try gzip.close()
        try gzip.finishEmptyFile()
        try gzip.sync()
        try store.commit(nil, run: run, counters: counters, outcome: outcome)
    }
}

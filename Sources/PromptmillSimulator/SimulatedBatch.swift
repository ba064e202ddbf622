import PromptmillCore

/// One batch of the simulator's Batch API. Its state is computed from the batch clock on
/// each read, with no timer: validating for the first tenth of `duration`, its lines done
/// evenly (in their shuffled order) until nine tenths, finalizing, then completed. A batch
/// with errors fails when validation ends; with `expireAfter` it expires once that many lines
/// are done; a cancel freezes the lines done and ends `cancelled` a tenth later.
struct SimulatedBatch: Sendable {
    enum Status: String, Sendable {
        case validating, failed
        case inProgress = "in_progress"
        case finalizing, completed, expired, cancelling, cancelled

        /// Counted against the enqueued-token limit, and cancellable.
        var isActive: Bool { self == .validating || self == .inProgress || self == .finalizing }
        /// Its output and error files are written.
        var hasFiles: Bool { self == .completed || self == .expired || self == .cancelled }
        var isFinished: Bool { hasFiles || self == .failed }
    }

    /// The batch at one moment of the batch clock; times in batch-clock seconds.
    struct Snapshot: Sendable {
        var status = Status.validating
        /// Lines done, the first `done` of `lines`.
        var done = 0
        var inProgressAt: Double?
        var finalizingAt: Double?
        var completedAt: Double?
        var failedAt: Double?
        var expiredAt: Double?
        var cancellingAt: Double?
        var cancelledAt: Double?
    }

    let id: String
    let endpoint: String
    let model: String?
    let inputFileID: String
    let completionWindow: String
    /// `.null` or the object given.
    let metadata: JSONValue
    /// Batch-clock seconds.
    let created: Double
    let duration: Double
    /// Not empty: the batch fails when validation ends.
    let errors: [BatchError]
    /// Lines of the input file (0 for a batch that fails).
    let total: Int
    /// The prompt tokens of its lines, for the enqueued-token limit.
    let enqueuedTokens: Int
    /// Lines done before the batch expires, with `batchExpireAt`.
    let expireAfter: Int?
    /// In processing order: shuffled, as OpenAI does not keep the input's order.
    var lines: [BatchLine] = []
    /// Its lines are answered (a batch that fails has none to answer).
    var ready: Bool
    var cancelRequested: (at: Double, done: Int)?
    /// Lines already counted in the statistics and the paid log.
    var settledLines = 0
    var settledEnd = false
    var outputFileID: String?
    var errorFileID: String?

    private var validationEnd: Double { created + duration * 0.1 }
    private var workEnd: Double { created + duration * 0.9 }
    private var end: Double { created + duration }

    /// When the window runs out: the end of the work, or the moment `expireAfter` lines are done.
    var windowEnd: Double { expiry ?? end }

    private var expiry: Double? {
        expireAfter.map { count in
            total == 0 ? validationEnd : validationEnd + Double(count) / Double(total) * (workEnd - validationEnd)
        }
    }

    /// Batch-clock time when line `index` (in processing order) is done.
    func lineDone(_ index: Int) -> Double {
        validationEnd + Double(index + 1) / Double(max(1, total)) * (workEnd - validationEnd)
    }

    private func doneBy(_ time: Double) -> Int {
        guard ready, total > 0, time >= validationEnd else { return 0 }
        var done = total
        if time < workEnd {
            let share = min(1, (time - validationEnd) / (workEnd - validationEnd))
            done = min(total, Int((share * Double(total)).rounded(.down)))
        }
        return min(done, expireAfter ?? done)
    }

    func snapshot(at now: Double) -> Snapshot {
        if let cancel = cancelRequested, now >= cancel.at {
            var snapshot = uncancelled(at: cancel.at)
            snapshot.done = cancel.done
            snapshot.cancellingAt = cancel.at
            snapshot.status = .cancelling
            if now >= cancel.at + duration * 0.1 {
                snapshot.status = .cancelled
                snapshot.cancelledAt = cancel.at + duration * 0.1
            }
            return snapshot
        }
        return uncancelled(at: now)
    }

    private func uncancelled(at now: Double) -> Snapshot {
        var snapshot = Snapshot()
        guard ready, now >= validationEnd else { return snapshot }
        if !errors.isEmpty {
            snapshot.status = .failed
            snapshot.failedAt = validationEnd
            return snapshot
        }
        snapshot.inProgressAt = validationEnd
        if let expiry, now >= expiry {
            snapshot.status = .expired
            snapshot.expiredAt = expiry
            snapshot.done = expireAfter ?? 0
        } else if now < workEnd {
            snapshot.status = .inProgress
            snapshot.done = doneBy(now)
        } else {
            snapshot.finalizingAt = workEnd
            snapshot.done = total
            snapshot.status = now < end ? .finalizing : .completed
            if now >= end { snapshot.completedAt = end }
        }
        return snapshot
    }
}

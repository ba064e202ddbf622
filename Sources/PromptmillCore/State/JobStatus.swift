import Foundation

/// What `promptmill status` shows: the job's progress as its ledger records it, and whether
/// a run holds the job now. Reads only; safe while a run is writing.
public struct JobStatus: Sendable {
    public var name: String
    public var ledgerPath: String
    /// Nil when no run has started the job.
    public var progress: JobLedger.Progress?
    /// The pid of the run holding the job, if one does.
    public var runningPID: Int32?
    /// Parts of the job that changed since its last run (a run would start it again).
    public var changes: [String]
    public var outputPath: String
    public var outputDisplayPath: String
    public var outputBytes: UInt64?
    /// The job's Batch API batches, oldest first.
    public var batches: [BatchRecord] = []
    /// How `mode:` would send the job's first step now.
    public var plan: String?

    public static func read(_ configuration: PipelineConfiguration) throws(StateError) -> JobStatus {
        let ledgerPath = JobLedger.path(stateDirectory: configuration.stateDirectory, jobName: configuration.name)
        var progress: JobLedger.Progress?
        var batches: [BatchRecord] = []
        if FileManager.default.fileExists(atPath: ledgerPath) {
            let ledger = try JobLedger(path: ledgerPath, readOnly: true)
            progress = try ledger.progress()
            batches = try ledger.batches()
        }
        let changes = progress.map { JobFingerprint(configuration).changes(from: $0.fingerprint) } ?? []
        let outputBytes = (try? FileManager.default.attributesOfItem(atPath: configuration.output.path)[.size] as? UInt64) ?? nil
        return JobStatus(
            name: configuration.name, ledgerPath: ledgerPath, progress: progress,
            runningPID: JobLock.holder(path: JobLock.path(stateDirectory: configuration.stateDirectory, jobName: configuration.name)),
            changes: changes, outputPath: configuration.output.path,
            outputDisplayPath: configuration.output.displayPath, outputBytes: outputBytes, batches: batches,
            plan: configuration.mode == .live
                ? nil
                : RunWay.choose(
                    for: configuration.stages[0].configuration, mode: configuration.mode,
                    deadline: configuration.deadline?.date(jobStarted: progress?.startedAt ?? Date()), now: Date(),
                    rows: progress?.inputRows ?? 0
                ).reason)
    }

    /// Rows of the input known to the ledger (from a run's full read), or nil.
    public var inputRows: Int? { progress?.inputRows.map { $0 + (progress?.inputBadRows ?? 0) } }

    /// Rows without a record yet, when the input's size is known.
    public var pendingRows: Int? {
        guard let progress, let total = inputRows else { return nil }
        return max(0, total - progress.records.items - (progress.inputBadRows ?? 0))
    }
}

/// `status --json`: one object with the job's progress and spend.
extension JobStatus: Encodable {
    enum CodingKeys: String, CodingKey {
        case name, running, pid, started
        case rowsDone = "rows_done"
        case succeeded, failed
        case cacheHits = "cache_hits"
        case rowsPending = "rows_pending"
        case inputRows = "input_rows"
        case requests, retries
        case rateLimited = "rate_limited"
        case runs
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case cachedPromptTokens = "cached_prompt_tokens"
        case cacheWriteTokens = "cache_write_tokens"
        case reasoningTokens = "reasoning_tokens"
        case costUSD = "cost_usd"
        case unknownFateUSD = "unknown_fate_usd"
        case spentUSD = "spent_usd"
        case savedUSD = "saved_usd"
        case promptCacheSavedUSD = "prompt_cache_saved_usd"
        case outputCompleteBytes = "output_complete_bytes"
        case output, changed, batches, plan
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(runningPID != nil, forKey: .running)
        try container.encode(runningPID.flatMap { $0 > 0 ? $0 : nil }, forKey: .pid)
        try container.encode(progress != nil, forKey: .started)
        if let progress {
            let records = progress.records
            try container.encode(records.items, forKey: .rowsDone)
            try container.encode(records.succeeded, forKey: .succeeded)
            try container.encode(records.failed, forKey: .failed)
            try container.encode(records.cacheHits, forKey: .cacheHits)
            try container.encode(pendingRows, forKey: .rowsPending)
            try container.encode(inputRows, forKey: .inputRows)
            try container.encode(progress.runs.requests, forKey: .requests)
            try container.encode(progress.runs.retries, forKey: .retries)
            try container.encode(progress.runs.rateLimited, forKey: .rateLimited)
            try container.encode(progress.runCount, forKey: .runs)
            try container.encode(records.usage.promptTokens, forKey: .promptTokens)
            try container.encode(records.usage.completionTokens, forKey: .completionTokens)
            try container.encode(records.usage.cachedPromptTokens, forKey: .cachedPromptTokens)
            try container.encode(records.usage.cacheWriteTokens, forKey: .cacheWriteTokens)
            try container.encode(records.usage.reasoningTokens, forKey: .reasoningTokens)
            try container.encode(records.cost, forKey: .costUSD)
            // Requests of unknown fate: timeouts, and those in flight when a run was killed.
            let unknownFate = progress.runs.held + progress.runs.open
            try container.encode(unknownFate, forKey: .unknownFateUSD)
            try container.encode(records.cost.map { $0 + unknownFate }, forKey: .spentUSD)
            try container.encode(records.saved, forKey: .savedUSD)
            try container.encode(records.promptCacheSaved, forKey: .promptCacheSavedUSD)
            try container.encode(progress.outputEnd, forKey: .outputCompleteBytes)
        }
        try container.encode(outputPath, forKey: .output)
        try container.encode(changes, forKey: .changed)
        try container.encode(batches.map(BatchStatus.init), forKey: .batches)
        try container.encode(plan, forKey: .plan)
    }

    /// One batch in `status --json`.
    struct BatchStatus: Encodable {
        var id: String?
        var local_id: String
        var step: Int
        var status: String
        var lines: Int
        var completed: Int
        var failed: Int
        var age_s: Int
        var collected: Bool

        init(_ record: BatchRecord) {
            id = record.batchID
            local_id = record.localID
            step = record.step
            status = record.status
            lines = record.lines
            completed = record.completed
            failed = record.failed
            age_s = Int(Date().timeIntervalSince1970 - record.createdAt)
            collected = record.collected
        }
    }
}

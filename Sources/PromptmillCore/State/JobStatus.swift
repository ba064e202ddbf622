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

    public static func read(_ configuration: PipelineConfiguration) throws(StateError) -> JobStatus {
        let ledgerPath = JobLedger.path(stateDirectory: configuration.stateDirectory, jobName: configuration.name)
        var progress: JobLedger.Progress?
        if FileManager.default.fileExists(atPath: ledgerPath) {
            progress = try JobLedger(path: ledgerPath, readOnly: true).progress()
        }
        let changes = progress.map { JobFingerprint(configuration).changes(from: $0.fingerprint) } ?? []
        let outputBytes = (try? FileManager.default.attributesOfItem(atPath: configuration.output.path)[.size] as? UInt64) ?? nil
        return JobStatus(name: configuration.name, ledgerPath: ledgerPath, progress: progress,
                         runningPID: JobLock.holder(path: JobLock.path(stateDirectory: configuration.stateDirectory, jobName: configuration.name)),
                         changes: changes, outputPath: configuration.output.path,
                         outputDisplayPath: configuration.output.displayPath, outputBytes: outputBytes)
    }

    /// Rows of the input known to the ledger (from a run's full read), or nil.
    public var inputRows: Int? { progress?.inputRows.map { $0 + (progress?.inputBadRows ?? 0) } }

    /// Rows without a record yet, when the input's size is known.
    public var pendingRows: Int? {
        guard let progress, let total = inputRows else { return nil }
        return max(0, total - progress.records.items - (progress.inputBadRows ?? 0))
    }
}

import Foundation

/// The part of a job's output an export reads: the file, how many of its bytes hold
/// committed records, and what the user should know about it.
struct OutputSnapshot {
    var path: String
    /// Bytes to read: the job store's committed end; nil: the whole file.
    var length: UInt64?
    /// Notes for the user (a run holds the job now, the job changed since its last run).
    var notes: [String] = []

    /// Throws `ExportError.noOutput` when the job has no output file yet.
    static func locate(_ configuration: PipelineConfiguration) throws(ExportError) -> OutputSnapshot {
        let path = configuration.output.path
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64) ?? nil
        guard let size else {
            throw .noOutput(path: configuration.output.displayPath, pipeline: configuration.pipelinePath, shared: configuration.sharedState != nil)
        }
        var snapshot = OutputSnapshot(path: path, length: nil)
        if configuration.sharedState != nil {
            // A shared job's output is written whole by `collect`, then renamed into place.
            snapshot.notes.append(
                "a shared job: exported from its collected output; rows its workers recorded since the last collect show as pending until `promptmill collect \(configuration.pipelinePath)`"
            )
            return snapshot
        }
        let ledgerPath = JobLedger.path(stateDirectory: configuration.stateDirectory, jobName: configuration.name)
        guard FileManager.default.fileExists(atPath: ledgerPath), let progress = try? JobLedger(path: ledgerPath, readOnly: true).progress()
        else {
            return snapshot
        }
        // A run given --output wrote the job's records elsewhere: the file here is an older
        // run's, which the ledger no longer describes.
        if progress.outputPath != path, FileManager.default.fileExists(atPath: progress.outputPath) {
            throw .outputMoved(path: configuration.output.displayPath, ledger: progress.outputPath, pipeline: configuration.pipelinePath)
        }
        // Only the bytes the ledger committed: a run appending now, or one killed in the
        // middle of a member, adds nothing half-written.
        if progress.outputPath == path, progress.outputEnd <= size { snapshot.length = progress.outputEnd }
        let lock = JobLock.path(stateDirectory: configuration.stateDirectory, jobName: configuration.name)
        if let pid = JobLock.holder(path: lock) {
            snapshot.notes.append(
                "a run\(pid > 0 ? " (process \(pid))" : "") holds the job now: rows it has not recorded yet show as pending")
        }
        let changes = JobFingerprint(configuration).changes(from: progress.fingerprint)
        if !changes.isEmpty {
            snapshot.notes.append(
                "changed since the last run: \(changes.joined(separator: ", ")) — the export joins the input as it is now with the records that run wrote"
            )
        }
        return snapshot
    }
}

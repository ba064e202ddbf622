import Foundation

/// `promptmill cancel`: cancels every batch of the job the ledger records and the server has
/// not finished, including one created by a run killed before its id was recorded (found by
/// its metadata). What they finished stays on the server; the next run collects it.
public enum BatchCancel {
    public struct NoState: Error, CustomStringConvertible {
        public var path: String
        public var description: String {
            "no state of this job at \(path) — pass the --state-dir the run was given (status shows where a job's ledger is)"
        }
    }

    /// One line per batch: its id and the state it is left in.
    public static func cancel(_ configuration: PipelineConfiguration, transport: any HTTPTransport) async throws -> [String] {
        let path = JobLedger.path(stateDirectory: configuration.stateDirectory, jobName: configuration.name)
        guard FileManager.default.fileExists(atPath: path) else { throw NoState(path: path) }
        let ledger = try JobLedger(path: path)
        let api = BatchAPI(api: configuration.api, transport: transport)
        var lines: [String] = []
        let open = try ledger.batches().filter { !$0.collected && $0.inputFileID != nil }
        var listed: [BatchAPI.Batch]?
        for var record in open {
            if record.batchID == nil {
                if listed == nil { listed = try await api.list() }
                guard let found = listed?.first(where: { $0.metadata?["promptmill_batch"] == record.localID }) else { continue }
                record.batchID = found.id
            }
            let id = record.batchID!
            var batch = try await api.retrieve(id)
            if !batch.isFinished, batch.status != "cancelling" {
                batch = try await api.cancel(id)
            }
            record.status = batch.status
            record.completed = batch.requestCounts?.completed ?? record.completed
            record.failed = batch.requestCounts?.failed ?? record.failed
            record.outputFileID = batch.outputFileID ?? record.outputFileID
            record.errorFileID = batch.errorFileID ?? record.errorFileID
            try ledger.updateBatch(record)
            lines.append(
                "batch \(id): \(batch.status) (\(record.completed) of \(record.lines) done) — run the same pipeline to collect what it finished and send the rest"
            )
        }
        return lines
    }
}

import Foundation

/// `promptmill cancel`: cancels every batch of the job the ledger records as submitted and
/// not finished. What they finished stays on the server; the next run collects it.
public enum BatchCancel {
    /// One line per batch: its id and the state it is left in.
    public static func cancel(_ configuration: PipelineConfiguration, transport: any HTTPTransport) async throws -> [String] {
        let ledger = try JobLedger(path: JobLedger.path(stateDirectory: configuration.stateDirectory, jobName: configuration.name))
        let api = BatchAPI(api: configuration.api, transport: transport)
        var lines: [String] = []
        for var record in try ledger.batches() where !record.collected {
            guard let id = record.batchID else { continue }
            let batch = try await api.retrieve(id)
            guard !batch.isFinished else { continue }
            let cancelled = try await api.cancel(id)
            record.status = cancelled.status
            try ledger.updateBatch(record)
            lines.append(
                "batch \(id): \(cancelled.status) (\(cancelled.requestCounts?.completed ?? 0) of \(record.lines) done) — run the same pipeline to collect what it finished and send the rest"
            )
        }
        return lines
    }
}

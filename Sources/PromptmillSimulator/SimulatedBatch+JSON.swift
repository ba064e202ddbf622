import PromptmillCore

extension SimulatedBatch {
    /// OpenAI's Batch object at one moment; `unix` turns batch-clock seconds into Unix seconds.
    func write(_ writer: inout JSONWriter, at now: Double, unix: (Double) -> Int) {
        let snapshot = snapshot(at: now)
        writer.raw("{\"id\":")
        writer.string(id)
        writer.raw(",\"object\":\"batch\",\"endpoint\":")
        writer.string(endpoint)
        writer.raw(",\"model\":")
        if let model { writer.string(model) } else { writer.null() }
        writer.raw(",\"errors\":")
        if snapshot.status == .failed {
            writer.raw("{\"object\":\"list\",\"data\":[")
            for (index, error) in errors.enumerated() {
                if index > 0 { writer.raw(",") }
                error.write(&writer)
            }
            writer.raw("]}")
        } else {
            writer.null()
        }
        writer.raw(",\"input_file_id\":")
        writer.string(inputFileID)
        writer.raw(",\"completion_window\":")
        writer.string(completionWindow)
        writer.raw(",\"status\":")
        writer.string(snapshot.status.rawValue)
        writer.raw(",\"output_file_id\":")
        if let outputFileID { writer.string(outputFileID) } else { writer.null() }
        writer.raw(",\"error_file_id\":")
        if let errorFileID { writer.string(errorFileID) } else { writer.null() }
        writer.raw(",\"created_at\":")
        writer.number(unix(created))
        let times: [(String, Double?)] = [
            ("in_progress_at", snapshot.inProgressAt), ("expires_at", windowEnd), ("finalizing_at", snapshot.finalizingAt),
            ("completed_at", snapshot.completedAt), ("failed_at", snapshot.failedAt), ("expired_at", snapshot.expiredAt),
            ("cancelling_at", snapshot.cancellingAt), ("cancelled_at", snapshot.cancelledAt),
        ]
        for (key, time) in times {
            writer.raw(",")
            writer.key(key)
            if let time { writer.number(unix(time)) } else { writer.null() }
        }
        let counts = requestCounts(snapshot)
        writer.raw(",\"request_counts\":{\"total\":")
        writer.number(total)
        writer.raw(",\"completed\":")
        writer.number(counts.completed)
        writer.raw(",\"failed\":")
        writer.number(counts.failed)
        writer.raw("},\"usage\":")
        if snapshot.status.isFinished { usage(snapshot).write(&writer) } else { writer.null() }
        writer.raw(",\"metadata\":")
        writer.value(metadata)
        writer.raw("}")
    }

    /// Lines done with a 200, and lines done with an error or left undone by expiry.
    func requestCounts(_ snapshot: Snapshot) -> (completed: Int, failed: Int) {
        let answered = lines.prefix(snapshot.done).reduce(0) { $0 + ($1.answered ? 1 : 0) }
        let expired = snapshot.status == .expired ? total - snapshot.done : 0
        return (answered, snapshot.done - answered + expired)
    }

    func usage(_ snapshot: Snapshot) -> BatchUsage {
        lines.prefix(snapshot.done).reduce(BatchUsage()) { total, line in
            if case .answered(_, let usage, _) = line.outcome { return total + usage }
            return total
        }
    }

    /// The output file (the lines answered 200) and the error file (the lines that failed,
    /// then those expiry left undone), each nil when it would be empty, as OpenAI leaves
    /// `output_file_id` or `error_file_id` null.
    func files(_ snapshot: Snapshot) -> (output: [UInt8]?, errors: [UInt8]?) {
        var output = JSONWriter(capacity: 0)
        var errors = JSONWriter(capacity: 0)
        for line in lines.prefix(snapshot.done) {
            if line.answered { line.write(&output) } else { line.write(&errors) }
        }
        if snapshot.status == .expired {
            for line in lines.dropFirst(snapshot.done) { line.writeExpired(&errors) }
        }
        return (output.bytes.isEmpty ? nil : output.bytes, errors.bytes.isEmpty ? nil : errors.bytes)
    }
}

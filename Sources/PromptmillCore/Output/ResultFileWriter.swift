/// Appends output records to the gzip JSONL file, a complete gzip member at a time, so the
/// file is a valid gzip stream after every flush.
final class ResultFileWriter {
    private let gzip: GzipMemberWriter
    private var buffer = JSONWriter(capacity: 1 << 20)
    private var recordsInMember = 0
    private let recordsPerMember: Int

    init(path: String, recordsPerMember: Int = 2000) throws {
        gzip = try GzipMemberWriter(path: path, appending: false)
        self.recordsPerMember = recordsPerMember
    }

    func append(_ result: RowResult) throws {
        OutputRecordEncoder.encode(result, into: &buffer)
        recordsInMember += 1
        if buffer.bytes.count >= 1 << 20 {
            try gzip.write(buffer.bytes)
            buffer.removeAll()
        }
        if recordsInMember >= recordsPerMember { try flush() }
    }

    /// Ends the current gzip member: everything appended so far is readable.
    func flush() throws {
        guard recordsInMember > 0 || !buffer.bytes.isEmpty else { return }
        try gzip.write(buffer.bytes)
        buffer.removeAll()
        _ = try gzip.finishMember()
        recordsInMember = 0
    }

    func close() throws {
        try flush()
        try gzip.close()
    }
}

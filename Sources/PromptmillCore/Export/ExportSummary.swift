/// What an export wrote: its rows by status, and what the user should know.
public struct ExportSummary: Sendable {
    /// The file written; nil: standard output.
    public var destination: String?
    /// Rows written: one per input row, bad rows included.
    public var rows = 0
    public var succeeded = 0
    public var failed = 0
    public var pending = 0
    public var rejected = 0
    /// Records the output holds (the committed ones).
    public var records = 0
    /// Records no input row had the id of (left out of the export).
    public var unmatchedRecords = 0
    /// The column names: CSV's header; for JSONL the answer's names (each row's own input
    /// fields come first).
    public var columns: [String] = []
    /// Things to tell the user (on stderr): a run holds the job, the job changed, records
    /// that matched no row.
    public var notes: [String] = []

    init(destination: String?) {
        self.destination = destination
    }

    /// Counts a row by its `status` value.
    mutating func count(_ status: JSONValue) {
        rows += 1
        switch status {
        case .string(ExportRowStatus.succeeded.rawValue): succeeded += 1
        case .string(ExportRowStatus.failed.rawValue): failed += 1
        case .string(ExportRowStatus.rejected.rawValue): rejected += 1
        default: pending += 1
        }
    }
}

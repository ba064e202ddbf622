/// The file formats `promptmill export` writes.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// RFC 4180 CSV: a header row, then one record per input row; fields separated by commas,
    /// quoted (`"`, doubled inside) when they hold a comma, a quote, a CR or an LF; every
    /// record, the header's too, ends with CRLF; UTF-8 without a byte-order mark.
    case csv
    /// One JSON object per input row, one a line (LF), with the same names as the CSV's
    /// columns; values keep their JSON types.
    case jsonl
}

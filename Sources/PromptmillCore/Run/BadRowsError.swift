/// Bad rows that stop a run under `on_bad_row: fail`.
public struct BadRowsError: Error, Sendable, CustomStringConvertible {
    public var scan: InputScan

    public init(scan: InputScan) {
        self.scan = scan
    }

    public var description: String {
        var lines = scan.problems.map(\.description)
        if scan.badRows > scan.problems.count {
            lines.append("… and \(scan.badRows - scan.problems.count) more bad rows")
        }
        lines.append(
            "\(scan.badRows) bad row\(scan.badRows == 1 ? "" : "s"): nothing was sent — fix the input, or set input.on_bad_row: skip to leave such rows out"
        )
        return lines.joined(separator: "\n")
    }
}

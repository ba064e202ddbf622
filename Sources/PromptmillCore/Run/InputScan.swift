/// Reads the whole input once and renders every row, without sending anything: what
/// `validate` reports and what `run` checks before the first request.
public struct InputScan: Sendable {
    public var rows = 0
    public var badRows = 0
    /// The first bad rows found, in file order (at most `limit` of them).
    public var problems: [InputProblem] = []

    public static func scan(_ configuration: PipelineConfiguration, limit: Int = 50) throws(InputError) -> InputScan {
        var scan = InputScan()
        var preparer = try RowPreparer(configuration: configuration)
        while let result = try preparer.next() {
            switch result {
            case .row:
                scan.rows += 1
            case .bad(let problem):
                scan.badRows += 1
                if scan.problems.count < limit { scan.problems.append(problem) }
            }
        }
        return scan
    }
}

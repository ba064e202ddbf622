/// What one request made of one row: its answer with its share of the usage, or a
/// permanent error.
public struct RowResult: Sendable {
    public enum Outcome: Sendable {
        /// The answer, and the row's share of the request's usage.
        case answered(Answer, usage: TokenUsage)
        case failed(RowFailure)
    }

    public var row: PreparedRow
    public var outcome: Outcome
    public var attempts: Int

    public init(row: PreparedRow, outcome: Outcome, attempts: Int) {
        self.row = row
        self.outcome = outcome
        self.attempts = attempts
    }
}

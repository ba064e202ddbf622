/// What became of one row: the answer(s), or a permanent error.
public struct RowResult: Sendable {
    public enum Outcome: Sendable {
        /// One text per requested completion (`n`), with its finish reason.
        case completed(texts: [String], finishReasons: [String?], usage: TokenUsage)
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

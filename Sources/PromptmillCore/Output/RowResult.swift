/// What became of one row: the answer(s), or a permanent error.
public struct RowResult: Sendable {
    public enum Outcome: Sendable {
        /// The record's `output` and `finish_reason` as JSON (a text, a list of texts when
        /// `n` > 1, a vector, a moderation result), and the row's share of the usage.
        case completed(output: String, finishReason: String, usage: TokenUsage)
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

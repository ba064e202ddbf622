/// What became of one step of a row.
struct StepOutcome: Sendable {
    /// Where an answer that cost this job nothing came from.
    enum Source: Sendable, Equatable {
        /// The answer store: another job (or an earlier generation of this one) paid for it.
        case answerStore
        /// The request of another row of this run that asked exactly the same (its number).
        case row(Int)
    }

    enum Kind: Sendable {
        /// Paid for by this job: in this run, or in an earlier run whose record was lost
        /// (the answer then comes back from the answer store as the job's own).
        case answered(Answer, usage: TokenUsage, attempts: Int)
        /// Answered without a request of this job's: it costs nothing, and what it would
        /// have cost counts as saved. The record shows it as `cached: true`.
        case reused(Answer, usage: TokenUsage, from: Source)
        /// The step's `when` did not hold.
        case skipped
        case failed(RowFailure, attempts: Int)
    }

    /// The step's index in `PipelineConfiguration.stages`.
    var step: Int
    var kind: Kind

    var answer: Answer? {
        switch kind {
        case .answered(let answer, _, _), .reused(let answer, _, _): answer
        case .skipped, .failed: nil
        }
    }

    var failure: RowFailure? {
        if case .failed(let failure, _) = kind { return failure }
        return nil
    }

    /// This job paid for the step, and promptmill counted its usage (the server sent none).
    var usageCounted: Bool {
        switch kind {
        case .answered(_, let usage, _): usage.counted
        case .failed(let failure, _): failure.usage?.counted ?? false
        case .reused, .skipped: false
        }
    }
}

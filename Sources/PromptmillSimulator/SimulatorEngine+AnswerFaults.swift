extension SimulatorEngine {
    /// The content fault for one request attempt, if any. A share of 0 draws nothing from the
    /// seeded generator, so the other faults' sequence is what it was without these switches.
    /// A packed request meets schema violations item by item instead (`PackedRequest`).
    func answerFault(structured: Bool, packed: Bool) -> AnswerFault? {
        if configuration.refusals > 0, random() < configuration.refusals { return .refusal }
        if configuration.incompleteAnswers > 0, random() < configuration.incompleteAnswers { return .incomplete }
        if structured, !packed, configuration.schemaViolations > 0, random() < configuration.schemaViolations {
            return .schemaViolation(UInt64(random() * 1e9))
        }
        return nil
    }
}

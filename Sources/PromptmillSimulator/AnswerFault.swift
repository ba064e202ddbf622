/// What goes wrong with one answer's content, drawn per request attempt from the
/// configuration's shares (`refusals`, `incompleteAnswers`, `schemaViolations`), so a retry
/// of the same request can come back right.
enum AnswerFault: Equatable {
    /// The model declines: a `refusal` part, chat's `message.refusal` with `content` null.
    case refusal
    /// The answer stops halfway, as at `max_output_tokens` (chat: `finish_reason: length`).
    case incomplete
    /// The answer breaks its schema (or is not JSON); the number picks how.
    case schemaViolation(UInt64)
}

/// Answers the server billed but withheld: a content filter stopped them
/// (`finish_reason: "content_filter"`, OpenAI's and Azure OpenAI's term) or the model
/// refused (`message.refusal`, OpenAI's structured-outputs refusals). Such a row gets an
/// error record of type `content_filter` or `refusal` carrying its usage and cost; it is
/// never stored as an answer, so a rerun asks again.
enum ContentFilter {
    /// A row's failure when every one of its choices was withheld; nil when any choice
    /// holds an answer. Each choice: its finish reason, its text (nil when empty), and the
    /// model's refusal text if any.
    static func withheld(_ choices: [(finish: String?, content: String?, refusal: String?)]) -> RowFailure? {
        guard !choices.isEmpty else { return nil }
        var failure: RowFailure?
        for choice in choices {
            if let refusal = choice.refusal {
                failure = failure ?? RowFailure(type: "refusal", message: "the model refused: \(refusal)", status: 200)
            } else if choice.finish == "content_filter" {
                let kept = choice.content.map { " after \($0.count) characters" } ?? " before any content"
                failure =
                    failure
                    ?? RowFailure(
                        type: "content_filter",
                        message: "the provider's content filter stopped the answer\(kept) (finish_reason: content_filter)",
                        status: 200)
            } else {
                return nil
            }
        }
        return failure
    }
}

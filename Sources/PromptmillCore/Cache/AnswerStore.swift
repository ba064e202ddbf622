/// Where answers are kept by their request's key, so no answer is bought twice: within a
/// job across kills, and across jobs. Today's implementation is `ResponseCache` (one SQLite
/// file per user); the run core knows only this protocol.
public protocol AnswerStore: Sendable {
    /// Looks every key up together; `found` gets each found key's index and its entry, whose
    /// bytes are valid only during the call.
    func lookUp(_ keys: [ResponseCacheKey], _ found: (Int, ResponseCache.Hit) -> Void) throws(StateError)
    /// Keeps answers the moment they arrive, before their records are written.
    func store(_ entries: [ResponseCache.Entry], model: String) async throws(StateError)
    /// Every answer `generation` paid for, with the row that paid: what a stopped or killed
    /// run spent beyond its records.
    func answersPaid(by generation: JobGeneration) throws(StateError) -> [(row: Int, model: String, usage: TokenUsage)]
}

extension ResponseCache: AnswerStore {}

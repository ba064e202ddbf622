/// Why a job stops sending before it is done.
public enum JobStop: Error, Sendable, Equatable {
    /// 401/403: the key, organisation or project was refused.
    case authentication(status: Int, message: String)
    /// 429 `insufficient_quota`: the account has no money left.
    case quotaExhausted(message: String)
    /// The provider refuses the account, not a row: a billing hard limit, a proxy's budget, a
    /// suspended project, a payment required (402). Every request would be refused alike.
    case accountRefused(status: Int, code: String, message: String)
    /// 404 `model_not_found`.
    case modelNotFound(model: String, message: String)
    /// SIGINT or SIGTERM.
    case interrupted
    /// The next request's worst case does not fit under `budget.max_usd`.
    case budget(cap: Money, spent: Money)

    /// A short name for the ledger and `status`.
    public var name: String {
        switch self {
        case .authentication: "stopped: credentials refused"
        case .quotaExhausted: "stopped: quota exhausted"
        case .accountRefused: "stopped: account refused"
        case .modelNotFound: "stopped: model not found"
        case .interrupted: "interrupted"
        case .budget: "stopped: budget"
        }
    }

    /// The exit code the contract assigns.
    public var exitCode: Int32 {
        switch self {
        case .authentication, .quotaExhausted, .accountRefused: 4
        case .modelNotFound: 2
        case .interrupted: 130
        case .budget: 3
        }
    }

    /// What the user reads, and what to do next. Never quotes the key.
    public var message: String {
        switch self {
        case .authentication(let status, let message):
            "the API refused the credentials (HTTP \(status): \(message)) — check OPENAI_API_KEY, OPENAI_ORG_ID and OPENAI_PROJECT_ID, then run the same command again to continue"
        case .quotaExhausted(let message):
            "the account's quota is exhausted (insufficient_quota: \(message)) — add credit or raise the limit, then run the same command again to continue"
        case .accountRefused(let status, let code, let message):
            "the API refused the account, not a row (HTTP \(status) \(code): \(message)) — resolve it with the provider (billing, budget or project), then run the same command again to continue"
        case .modelNotFound(let model, let message):
            "the API does not know the model '\(model)' (\(message)) — fix 'model' in the pipeline"
        case .interrupted:
            "interrupted — run the same command again to continue"
        case .budget(let cap, let spent):
            "stopped at the budget: \(spent) spent of the \(cap) cap, and the next request could cost more than is left — raise budget.max_usd or pass --max-usd, then run the same command again to continue"
        }
    }
}

import Foundation

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
    /// The server asked to wait (`Retry-After`) longer than `limits.max_wait_s`; `until`:
    /// when that wait ends, by this machine's clock.
    case serverWait(wait: Duration, until: Date?, status: Int, message: String)
    /// Before anything was answered, every request was refused alike, whichever rows it
    /// carried: the request's parameters or the account, not a row.
    case refusedEverywhere(status: Int, code: String, message: String)
    /// Nothing has been answered and the server cannot be reached at all (connection
    /// refused, unknown host, TLS failure): a wrong `base_url` or a server that is down.
    case unreachable(url: String, cause: String)
    /// A shared job's state (PostgreSQL) could not be reached for its rate buckets for
    /// longer than `LiveDispatcher.stateOutage`: sending without them could pass the
    /// account's limits, so the worker stops; its rows stay pending.
    case stateUnreachable(cause: String)
    /// `run --detach`: every row not yet answered waits in a submitted batch; the run
    /// leaves them to the Batch API and exits 0 (a later run collects them).
    case detached(batches: Int, rows: Int)

    /// A short name for the ledger and `status`.
    public var name: String {
        switch self {
        case .authentication: "stopped: credentials refused"
        case .quotaExhausted: "stopped: quota exhausted"
        case .accountRefused: "stopped: account refused"
        case .modelNotFound: "stopped: model not found"
        case .interrupted: "interrupted"
        case .budget: "stopped: budget"
        case .serverWait: "stopped: the server asked to wait"
        case .unreachable: "stopped: server unreachable"
        case .refusedEverywhere: "stopped: every request refused"
        case .detached: "detached: batches running"
        case .stateUnreachable: "stopped: shared state unreachable"
        }
    }

    /// The exit code the contract assigns.
    public var exitCode: Int32 {
        switch self {
        case .authentication, .quotaExhausted, .accountRefused, .serverWait, .refusedEverywhere: 4
        case .modelNotFound: 2
        case .unreachable, .stateUnreachable: 1
        case .interrupted: 130
        case .budget: 3
        case .detached: 0
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
        case .serverWait(let wait, let until, let status, let message):
            "the server asked to wait \(Self.describe(wait)) before more requests (\(message.hasPrefix("HTTP \(status)") ? message : "HTTP \(status): " + message)), longer than limits.max_wait_s allows — nothing more was sent and no row was written as failed; run the same command again\(until.map { " after " + Self.describe($0) } ?? " then") to continue (or raise limits.max_wait_s to wait inside the run)"
        case .refusedEverywhere(404, let code, let message):
            "the server answered every request with 404 (\(code): \(message)) before answering any: the URL is wrong, not the rows — check base_url / --base-url / OPENAI_BASE_URL (it usually ends in /v1); every row is still pending, run the same command again to continue"
        case .refusedEverywhere(let status, let code, let message):
            "every request was refused alike, whichever rows it carried (HTTP \(status) \(code): \(message)): it is about the request's parameters or the account, not a row — fix the pipeline's params or resolve it with the provider; every row is still pending, run the same command again to continue"
        case .unreachable(let url, let cause):
            "cannot reach the API at \(url): \(cause) — check base_url / --base-url / OPENAI_BASE_URL and that the server is up; every row is still pending, run the same command again to continue"
        case .stateUnreachable(let cause):
            "the job's shared state could not be reached for a minute (\(cause)) — nothing more was sent and every row without a record is still pending; when PostgreSQL is back, run the same command again (on any machine) to continue"
        case .detached(let batches, let rows):
            "still running: \(rows) rows wait in \(batches) submitted batch\(batches == 1 ? "" : "es") (paid work, left running) — run the same command again later to collect them (`promptmill status` shows their state)"
        case .budget(let cap, let spent):
            "stopped at the budget: \(spent) spent of the \(cap) cap, and the next request could cost more than is left — raise budget.max_usd or pass --max-usd, then run the same command again to continue (a request reserves its whole output limit: set params.max_output_tokens or max_completion_tokens to bound it, or it is the model's whole output window)"
        }
    }

    /// "2 h 5 min", "11 min 3 s", "40 s".
    static func describe(_ duration: Duration) -> String {
        let seconds = Int(duration.components.seconds)
        if seconds >= 3600 { return "\(seconds / 3600) h \(seconds % 3600 / 60) min" }
        if seconds >= 60 { return "\(seconds / 60) min \(seconds % 60) s" }
        return "\(seconds) s"
    }

    /// An instant as `2026-12-02 10:00:11 UTC`.
    static func describe(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: date)
    }
}

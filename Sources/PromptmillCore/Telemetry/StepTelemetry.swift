/// A step's view of its run's `RunTelemetry`: what its dispatcher reports, named by the step
/// (for the slowest requests' table).
struct StepTelemetry: Sendable {
    let run: RunTelemetry
    let step: String

    func sending(prompts: Int) { run.sending(prompts: prompts) }

    func answered(status: Int, after latency: Duration, usage: TokenUsage?, rows: [PreparedRow]) {
        run.answered(status: status, after: latency, usage: usage, step: step, rows: rows)
    }

    func lost(after latency: Duration, rows: [PreparedRow]) { run.lost(after: latency, step: step, rows: rows) }
    func rateLimited() { run.rateLimited() }
    func retried(_ cause: RetryCause) { run.retried(cause) }
    func submitted(prompts: Int) { run.submitted(prompts: prompts) }
    func used(_ usage: TokenUsage) { run.used(usage) }
}

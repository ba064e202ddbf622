import Foundation

/// How one step's rows go in this run: the plan of `mode:` and `deadline:` turned into the
/// dispatcher's settings.
struct RunWay: Sendable {
    /// batch, flex, standard or priority.
    var tier: ServiceTier
    /// A batch's lines that must go live (failed, expired, or the deadline near) go at this
    /// tier: flex where the model offers it and the plan is `auto`, else as `params` asks.
    var stragglerTier: ServiceTier
    /// After it, unfinished batches are cancelled and their rows sent live.
    var batchCutoff: Date?
    var reason: String

    /// `rows`: the input's rows. The time a live run needs is its requests over the step's
    /// request rate, as `estimate`'s `min_seconds` reckons; 0 (not bounded) without one.
    static func choose(for step: PipelineConfiguration, mode: JobMode, deadline: Date?, now: Date, rows: Int) -> RunWay {
        let requested: ServiceTier = {
            if case .string(let name)? = step.params["service_tier"], let tier = ServiceTier(rawValue: name) { return tier }
            return .standard
        }()
        let plan = ModePlan.plan(
            mode: mode, requestedTier: requested, deadline: deadline, now: now, rows: rows,
            liveSeconds: liveSeconds(step, rows: rows), prices: step.prices)
        let margin = ModePlan.batchMargin(liveSeconds(step, rows: rows))
        let flexOffered = step.prices?.offers(.flex) ?? false
        let straggler: ServiceTier = mode == .auto ? (flexOffered ? .flex : .standard) : requested
        return RunWay(
            // A plan that splits rows between flex and standard starts every row at flex: rows
            // go at standard as the deadline needs (`FlexSwitch`), never more.
            tier: plan.mode != .batch && (plan.rowsByMode[.flex] ?? 0) > 0 ? .flex : plan.mode, stragglerTier: straggler,
            batchCutoff: deadline.map { $0.addingTimeInterval(-margin) }, reason: plan.reason)
    }

    static func liveSeconds(_ step: PipelineConfiguration, rows: Int) -> Double {
        guard let rpm = step.limits.requestsPerMinute else { return 0 }
        // As `estimate`'s min_seconds: the bucket starts full, so the first minute's requests
        // go at once.
        let requests = (Double(rows) / Double(max(1, step.batchSize))).rounded(.up)
        return max(0, requests - Double(rpm)) / Double(rpm) * 60
    }
}

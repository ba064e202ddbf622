import Foundation

extension JobEstimator {
    /// The cost of each way (standard, flex where a step's model offers it, batch), the plan
    /// the job's mode follows (`ModePlan`), and the job's and each step's cost as planned.
    ///
    /// A `deadline:` duration counts from `now`, as if the job started now. The time live
    /// requests need is the least the rate limits allow (`minSeconds`; 0 without limits).
    func plan(_ job: inout JobEstimate, steps: inout [StepEstimate], tokens: [StepTokens]) {
        let offersFlex = tokens.contains { $0.prices?.offers(.flex) == true }
        let plan = ModePlan.plan(
            mode: configuration.mode, requestedTier: tokens.first?.requestedTier, deadline: configuration.deadline?.date(jobStarted: now),
            now: now, rows: job.uncachedRows, liveSeconds: job.minSeconds ?? 0, offersFlex: offersFlex)
        job.mode = configuration.mode
        job.plan = plan
        var models: [String] = []
        for step in tokens where !models.contains(step.model) { models.append(step.model) }
        job.flexNotOffered = models.filter { model in tokens.contains { $0.model == model && $0.prices?.offers(.flex) != true } }
        job.batchByRule = models.filter { model in tokens.contains { $0.model == model && $0.prices?.hasOwnFigures(for: .batch) == false } }
        job.costByMode = [:]
        for tier in [ServiceTier.standard, .batch] + (offersFlex ? [.flex] : []) {
            if let range = tokens.reduce(CostRange.zero as CostRange?, { $0 + $1.range(tier) }) { job.costByMode[tier] = range }
        }
        var total: CostRange? = .zero
        for index in steps.indices {
            let range = tokens[index].range(plan, mode: configuration.mode)
            steps[index].costMin = range?.min
            steps[index].costMax = range?.max
            total = total + range
        }
        job.costMin = total?.min
        job.costMax = total?.max
    }
}

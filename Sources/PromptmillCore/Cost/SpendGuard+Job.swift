import Logging

extension SpendGuard {
    /// The guard that keeps a job's spend under its budget; nil when a step's model has no
    /// price. Spend starts at what earlier runs paid: their records, their requests of
    /// unknown fate and in flight at a kill, and the answers they were paid for but never
    /// recorded (a killed run's last ones, a stopped run's earlier steps), found in the
    /// answer store by the job's generation.
    static func forJob(
        _ configuration: PipelineConfiguration, start: JobLedger.Start, answers: (any AnswerStore)?, store: any JobStore,
        progress: ProgressReporter, logger: Logger
    ) throws -> SpendGuard? {
        var pricesByModel: [String: ModelPrices] = [:]
        for stage in configuration.stages {
            guard let prices = stage.configuration.prices else { return nil }
            pricesByModel[stage.configuration.model] = prices
        }
        let known = start.progress
        var spent = (known.records.cost ?? .zero) + known.runs.held + known.runs.open
        let budgeted = configuration.budget.maxUSD != nil || configuration.budget.warnUSD != nil
        if budgeted, start.mayHaveUnrecordedAnswers || known.runCount > 0, let answers {
            for answer in try answers.answersPaid(by: known.generation) where !known.done.contains(answer.row) {
                spent += (pricesByModel[answer.model] ?? configuration.prices)?.cost(of: answer.usage) ?? .zero
            }
        }
        let run = start.runID
        return SpendGuard(
            cap: configuration.budget.maxUSD, warnAt: configuration.budget.warnUSD, spent: spent,
            record: { open, held in
                do {
                    try store.recordSpend(run: run, open: open, held: held)
                } catch {
                    logger.warning("\(error)")
                }
            }, warn: { progress.warning($0) })
    }

    /// A shared job's worker: the job's spend lives in `spend`, every worker's together;
    /// nil when a step's model has no price (no budget can be kept).
    static func forWorker(
        _ configuration: PipelineConfiguration, spend shared: any SharedSpend, clock: any Clock<Duration>, progress: ProgressReporter
    ) async throws -> SpendGuard? {
        guard configuration.stages.allSatisfy({ $0.configuration.prices != nil }) else { return nil }
        return SpendGuard(
            cap: configuration.budget.maxUSD, warnAt: configuration.budget.warnUSD, spent: try await shared.spent(), shared: shared,
            clock: clock, warn: { progress.warning($0) })
    }
}

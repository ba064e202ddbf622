import Foundation

/// `OUTPUT.summary.json`: the job's totals, earlier runs included (the contract's names).
public struct JobSummary: Encodable, Sendable {
    /// The figures the summary gives for the job, and for its one model in a one-step job.
    struct Figures: Encodable, Sendable {
        var statistics: RunStatistics

        enum CodingKeys: String, CodingKey {
            case items, succeeded, failed
            case rejectedRows = "rejected_rows"
            case cacheHits = "cache_hits"
            case requests, retries
            case rateLimited = "rate_limited"
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case cachedPromptTokens = "cached_prompt_tokens"
            case cacheWriteTokens = "cache_write_tokens"
            case reasoningTokens = "reasoning_tokens"
            case promptCacheHitShare = "prompt_cache_hit_share"
            case costUSD = "cost_usd"
            case savedUSD = "saved_usd"
            case promptCacheSavedUSD = "prompt_cache_saved_usd"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(statistics.items, forKey: .items)
            try container.encode(statistics.succeeded, forKey: .succeeded)
            try container.encode(statistics.failed, forKey: .failed)
            try container.encode(statistics.rejectedRows, forKey: .rejectedRows)
            try container.encode(statistics.cacheHits, forKey: .cacheHits)
            try container.encode(statistics.requests, forKey: .requests)
            try container.encode(statistics.retries, forKey: .retries)
            try container.encode(statistics.rateLimited, forKey: .rateLimited)
            try container.encode(statistics.usage.promptTokens, forKey: .promptTokens)
            try container.encode(statistics.usage.completionTokens, forKey: .completionTokens)
            try container.encode(statistics.usage.cachedPromptTokens, forKey: .cachedPromptTokens)
            try container.encode(statistics.usage.cacheWriteTokens, forKey: .cacheWriteTokens)
            try container.encode(statistics.usage.reasoningTokens, forKey: .reasoningTokens)
            try container.encode(JobSummary.promptCacheHitShare(statistics.usage), forKey: .promptCacheHitShare)
            // null says "the model has no price", never a wrong zero.
            try container.encode(statistics.cost, forKey: .costUSD)
            try container.encode(statistics.saved, forKey: .savedUSD)
            try container.encode(statistics.promptCacheSaved, forKey: .promptCacheSavedUSD)
        }
    }

    /// One model's figures in a job whose records carry each step.
    struct ModelFigures: Encodable, Sendable {
        var steps: [String]
        var figures: JobLedger.ModelFigures

        enum CodingKeys: String, CodingKey {
            case steps
            case cacheHits = "cache_hits"
            case promptTokens = "prompt_tokens"
            case completionTokens = "completion_tokens"
            case cachedPromptTokens = "cached_prompt_tokens"
            case cacheWriteTokens = "cache_write_tokens"
            case reasoningTokens = "reasoning_tokens"
            case promptCacheHitShare = "prompt_cache_hit_share"
            case costUSD = "cost_usd"
            case savedUSD = "saved_usd"
            case promptCacheSavedUSD = "prompt_cache_saved_usd"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(steps, forKey: .steps)
            try container.encode(figures.cacheHits, forKey: .cacheHits)
            try container.encode(figures.usage.promptTokens, forKey: .promptTokens)
            try container.encode(figures.usage.completionTokens, forKey: .completionTokens)
            try container.encode(figures.usage.cachedPromptTokens, forKey: .cachedPromptTokens)
            try container.encode(figures.usage.cacheWriteTokens, forKey: .cacheWriteTokens)
            try container.encode(figures.usage.reasoningTokens, forKey: .reasoningTokens)
            try container.encode(JobSummary.promptCacheHitShare(figures.usage), forKey: .promptCacheHitShare)
            try container.encode(figures.cost, forKey: .costUSD)
            try container.encode(figures.saved, forKey: .savedUSD)
            try container.encode(figures.promptCacheSaved, forKey: .promptCacheSavedUSD)
        }
    }

    enum ModelEntry: Encodable, Sendable {
        case job(Figures)
        case steps(ModelFigures)

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .job(let figures): try figures.encode(to: encoder)
            case .steps(let figures): try figures.encode(to: encoder)
            }
        }
    }

    struct Budget: Encodable, Sendable {
        var maxUSD: Money?
        var warnUSD: Money?
        var spentUSD: Money?
        var stopped: Bool

        enum CodingKeys: String, CodingKey {
            case maxUSD = "max_usd"
            case warnUSD = "warn_usd"
            case spentUSD = "spent_usd"
            case stopped
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(maxUSD, forKey: .maxUSD)
            try container.encode(warnUSD, forKey: .warnUSD)
            try container.encode(spentUSD, forKey: .spentUSD)
            try container.encode(stopped, forKey: .stopped)
        }
    }

    var figures: Figures
    var byModel: [String: ModelEntry]
    /// Seconds, to the millisecond.
    var elapsedSeconds: Double
    var complete: Bool
    /// Records whose usage promptmill counted (the server sent none).
    var countedItems: Int
    /// Rows of this run that failed only for transient causes: no record, still pending.
    var pendingTransient: Int
    var budget: Budget
    var pricesDate: String
    var pricesSource: String?
    var byTier: [String: TierEntry]
    var byMode: [String: TierEntry]
    var flexUnavailable: Int
    var switchedToStandard: Int

    enum CodingKeys: String, CodingKey {
        case byTier = "by_tier"
        case byMode = "by_mode"
        case flexUnavailable = "flex_unavailable"
        case switchedToStandard = "switched_to_standard"
        case byModel = "by_model"
        case elapsedSeconds = "elapsed_s"
        case complete, budget
        case countedItems = "usage_counted_items"
        case pendingTransient = "pending_after_transient_failures"
        case pricesDate = "prices_date"
        case pricesSource = "prices_source"
    }

    /// The summary of a run's statistics: `by_model` has each model's own figures when the
    /// records carry each step, else the job's figures under its one model.
    init(_ statistics: RunStatistics, configuration: PipelineConfiguration, elapsed: Duration, complete: Bool, budgetStopped: Bool) {
        figures = Figures(statistics: statistics)
        if statistics.models.isEmpty {
            byModel = [configuration.model: .job(figures)]
        } else {
            byModel = statistics.models.reduce(into: [:]) { entries, model in
                let steps = configuration.stages.filter { $0.configuration.model == model.key }.map(\.name)
                entries[model.key] = .steps(ModelFigures(steps: steps, figures: model.value))
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        elapsedSeconds = (seconds * 1000).rounded() / 1000
        self.complete = complete
        countedItems = statistics.countedItems
        pendingTransient = statistics.transientFailures
        budget = Budget(
            maxUSD: configuration.budget.maxUSD, warnUSD: configuration.budget.warnUSD, spentUSD: statistics.spent,
            stopped: budgetStopped)
        pricesDate = configuration.pricesDate
        pricesSource = configuration.prices?.source
        byTier = TierEntry.entries(statistics, modes: false)
        byMode = TierEntry.entries(statistics, modes: true)
        flexUnavailable = statistics.flexUnavailable
        switchedToStandard = statistics.switchedToStandard
    }

    /// The share of `usage`'s prompt tokens served from the prompt cache, 0...1 rounded to
    /// 4 places (half up) as an exact decimal; 0 without prompt tokens.
    static func promptCacheHitShare(_ usage: TokenUsage) -> Decimal {
        guard usage.promptTokens > 0 else { return 0 }
        let tenThousandths = (usage.cachedPromptTokens * 10_000 * 2 + usage.promptTokens) / (usage.promptTokens * 2)
        return Decimal(sign: .plus, exponent: -4, significand: Decimal(tenThousandths))
    }

    public func encode(to encoder: any Encoder) throws {
        try figures.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(byModel, forKey: .byModel)
        try container.encode(elapsedSeconds, forKey: .elapsedSeconds)
        try container.encode(complete, forKey: .complete)
        try container.encode(countedItems, forKey: .countedItems)
        try container.encode(pendingTransient, forKey: .pendingTransient)
        try container.encode(budget, forKey: .budget)
        try container.encode(pricesDate, forKey: .pricesDate)
        try container.encode(pricesSource, forKey: .pricesSource)
        try container.encode(byTier, forKey: .byTier)
        try container.encode(byMode, forKey: .byMode)
        try container.encode(flexUnavailable, forKey: .flexUnavailable)
        try container.encode(switchedToStandard, forKey: .switchedToStandard)
    }
}

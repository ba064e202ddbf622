extension RunStatistics {
    /// The whole job's figures as its store holds them: what a shared job's summary says
    /// once its parts are collected (every worker's records and counters).
    public init(job progress: JobLedger.Progress, configuration: PipelineConfiguration) {
        let records = progress.records
        let priced = configuration.stages.allSatisfy { $0.configuration.prices != nil }
        self.init(totalRows: progress.inputRows.map { $0 + (progress.inputBadRows ?? 0) })
        succeeded = records.succeeded
        failed = records.failed
        rejectedRows = configuration.input.onBadRow == .skip ? progress.inputBadRows ?? 0 : 0
        requests = progress.runs.requests
        retries = progress.runs.retries
        rateLimited = progress.runs.rateLimited
        cacheHits = records.cacheHits
        countedItems = records.countedItems
        usage = records.usage
        savedUsage = records.savedUsage
        cost = priced ? records.cost : nil
        saved = priced ? records.saved : nil
        promptCacheSaved = priced ? records.promptCacheSaved : nil
        models = records.models
        tiers = records.tiers
    }
}

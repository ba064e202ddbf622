import PromptmillTokenizer

/// Reads the whole input, renders and counts every prompt, and prices the job.
public struct JobEstimator: Sendable {
    let configuration: PipelineConfiguration
    let catalog: ModelCatalog

    public init(configuration: PipelineConfiguration, catalog: ModelCatalog) {
        self.configuration = configuration
        self.catalog = catalog
    }

    public func estimate() throws -> JobEstimate {
        let tokenizer = try Tokenizer.shared(configuration.encoding)
        let info = catalog.info(for: configuration.model)
        var estimate = JobEstimate(model: configuration.model, encoding: configuration.encoding.rawValue, pricesDate: catalog.pricesDate)
        estimate.contextWindow = info?.contextWindow
        let completionPerPrompt = CompletionBudget.maxTokens(configuration.params, endpoint: configuration.endpoint)
            * CompletionBudget.choices(configuration.params)
        let maxTokens = CompletionBudget.maxTokens(configuration.params, endpoint: configuration.endpoint)
        var preparer = try RowPreparer(configuration: configuration)
        while let result = try preparer.next() {
            switch result {
            case .bad:
                estimate.badRows += 1
            case .row(let row):
                estimate.rows += 1
                let tokens = tokenizer.count(row.prompt)
                estimate.promptTokens += tokens
                estimate.completionTokensMax += completionPerPrompt
                if let window = info?.contextWindow, tokens + maxTokens > window {
                    estimate.overContext.append(row.id)
                }
            }
        }
        estimate.requests = (estimate.rows + configuration.batchSize - 1) / configuration.batchSize
        if let input = info?.inputPrice, let output = info?.outputPrice {
            estimate.costMin = input * estimate.promptTokens
            estimate.costMax = input * estimate.promptTokens + output * estimate.completionTokensMax
        }
        estimate.minSeconds = Self.minimumSeconds(requests: estimate.requests,
                                                  tokens: estimate.promptTokens + estimate.completionTokensMax,
                                                  limits: configuration.limits)
        return estimate
    }

    /// With both buckets starting full: max((requests − RPM) / RPM, (tokens − TPM) / TPM) minutes.
    static func minimumSeconds(requests: Int, tokens: Int, limits: PipelineConfiguration.Limits) -> Double? {
        guard limits.requestsPerMinute != nil || limits.tokensPerMinute != nil else { return nil }
        var minutes = 0.0
        if let rpm = limits.requestsPerMinute { minutes = max(minutes, Double(requests - rpm) / Double(rpm)) }
        if let tpm = limits.tokensPerMinute { minutes = max(minutes, Double(tokens - tpm) / Double(tpm)) }
        return max(0, minutes) * 60
    }
}

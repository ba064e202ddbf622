import Foundation
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
        let prices = catalog.prices(for: configuration.model, override: configuration.pricing[configuration.model])
        var estimate = JobEstimate(model: configuration.model, encoding: configuration.encoding.rawValue, pricesDate: catalog.pricesDate)
        estimate.contextWindow = info?.contextWindow
        estimate.pricesSource = prices?.source
        let completionPerPrompt = CompletionBudget.maxTokens(configuration.params, endpoint: configuration.endpoint, model: configuration.model)
            * CompletionBudget.choices(configuration.params)
        let maxTokens = CompletionBudget.maxTokens(configuration.params, endpoint: configuration.endpoint, model: configuration.model)
        // Rows whose answer is in the cache cost nothing: look each chunk of rows up, when
        // the cache exists (the estimate never creates one).
        let cache = configuration.cache.enabled && FileManager.default.fileExists(atPath: configuration.cache.path)
            ? try ResponseCache(path: configuration.cache.path) : nil
        var keyer = cache == nil ? nil : ResponseCacheKeyer(configuration: configuration)
        var chunk: [(row: PreparedRow, key: ResponseCacheKey)] = []
        var promptMin = Money.zero
        func settle() throws {
            var found = [Bool](repeating: false, count: chunk.count)
            try cache?.lookUp(chunk.map(\.key)) { index, _ in found[index] = true }
            for (index, entry) in chunk.enumerated() {
                if found[index] {
                    estimate.cachedRows += 1
                } else {
                    add(entry.row)
                }
            }
            chunk.removeAll(keepingCapacity: true)
        }
        func add(_ row: PreparedRow) {
            let tokens = APIRequest.promptTokens(row, tokenizer: tokenizer)
            estimate.uncachedRows += 1
            estimate.promptTokens += tokens
            estimate.completionTokensMax += completionPerPrompt
            if let window = info?.contextWindow, tokens + maxTokens > window {
                estimate.overContext.append(row.id)
            }
            if let prices {
                // The least a prompt can cost: as much of it as OpenAI's prompt cache may
                // serve (from 1,024 tokens, in steps of 128) at the cached price.
                let cacheable = tokens >= 1024 ? 1024 + (tokens - 1024) / 128 * 128 : 0
                promptMin += prices.cost(of: TokenUsage(promptTokens: tokens, completionTokens: 0, cachedPromptTokens: cacheable))
            }
        }
        var preparer = try RowPreparer(configuration: configuration)
        while let result = try preparer.next() {
            switch result {
            case .bad:
                estimate.badRows += 1
            case .row(let row):
                estimate.rows += 1
                if keyer != nil {
                    chunk.append((row, APIRequest.cacheKey(row, keyer: &keyer!)))
                    if chunk.count == 512 { try settle() }
                } else {
                    add(row)
                }
            }
        }
        try settle()
        estimate.requests = (estimate.uncachedRows + configuration.batchSize - 1) / configuration.batchSize
        if let prices {
            estimate.costMin = promptMin
            estimate.costMax = prices.worstCase(promptTokens: estimate.promptTokens, completionTokens: estimate.completionTokensMax)
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

import Foundation
import PromptmillTokenizer

/// Reads the whole input, renders and counts every prompt, and prices the job.
public struct JobEstimator: Sendable {
    let configuration: PipelineConfiguration
    let catalog: ModelCatalog
    /// The moment the plan starts from: a `deadline:` duration counts from it, as from a
    /// job's first run.
    let now: Date
    /// The job's shared answer store (`state: postgres://...`), where its workers' answers
    /// are; nil: the local response cache (`cache.path`), when it exists.
    let answers: (any AnswerStore)?

    public init(configuration: PipelineConfiguration, catalog: ModelCatalog, now: Date = Date(), answers: (any AnswerStore)? = nil) {
        self.configuration = configuration
        self.catalog = catalog
        self.now = now
        self.answers = answers
    }

    /// Every step of the pipeline: the first exactly (with its cache lookups), the later ones
    /// as ranges; the job's figures are the steps' sums. Records that carry each step get
    /// the steps' own estimates too.
    public func estimate() throws -> JobEstimate {
        let stages = configuration.stages
        let firstStage = stages[0].configuration
        var (job, firstTokens) = try estimateFirstStep(firstStage)
        var first = StepEstimate(name: stages[0].name, model: firstStage.model, endpoint: firstStage.endpoint.rawValue)
        first.rows = job.uncachedRows
        first.requests = job.requests
        first.promptTokensMin = job.promptTokens
        first.promptTokensMax = job.promptTokens
        first.promptTokensBasis = job.promptTokensBasis
        first.completionTokensMax = job.completionTokensMax
        first.costMin = job.costMin
        first.costMax = job.costMax
        first.exact = true
        first.pack = firstStage.pack
        first.requestsUnpacked = job.unpacked?.requests ?? job.requests
        first.promptTokensUnpackedMin = job.unpacked?.promptTokens ?? job.promptTokens
        first.promptTokensUnpackedMax = first.promptTokensUnpackedMin
        var steps = [first]
        var tokens = [firstTokens]
        for index in stages.indices.dropFirst() {
            let (step, stepTokens) = try estimateLaterStep(index)
            steps.append(step)
            tokens.append(stepTokens)
        }
        job.requests = steps.reduce(0) { $0 + $1.requests }
        job.promptTokens = steps.reduce(0) { $0 + $1.promptTokensMin }
        job.promptTokensBasis = steps.map(\.promptTokensBasis).max() ?? .exact
        job.completionTokensMax = steps.reduce(0) { $0 + $1.completionTokensMax }
        job.costMin = steps.reduce(Money.zero as Money?) { $0 + $1.costMin }
        job.costMax = steps.reduce(Money.zero as Money?) { $0 + $1.costMax }
        let promptTokensMax = steps.reduce(0) { $0 + $1.promptTokensMax }
        job.pricesSource = job.costMin == nil ? nil : stages.compactMap(\.configuration.prices?.source).first
        job.minSeconds = Self.minimumSeconds(
            requests: job.requests, tokens: promptTokensMax + job.completionTokensMax,
            limits: configuration.limits)
        job.pack = stages.count == 1 ? firstStage.pack : 1
        if steps.contains(where: { $0.pack > 1 }) {
            let requests = steps.reduce(0) { $0 + $1.requestsUnpacked }
            let most = steps.reduce(0) { $0 + $1.promptTokensUnpackedMax }
            job.unpacked = JobEstimate.Unpacked(
                requests: requests, promptTokens: steps.reduce(0) { $0 + $1.promptTokensUnpackedMin },
                minSeconds: Self.minimumSeconds(requests: requests, tokens: most + job.completionTokensMax, limits: configuration.limits))
        } else {
            job.unpacked = nil
        }
        job.uncappedOutput = stages.compactMap { UncappedOutput(step: $0.name, configuration: $0.configuration, catalog: catalog) }
        plan(&job, steps: &steps, tokens: tokens)
        if configuration.recordsEachStep {
            job.steps = steps
            job.promptTokensMax = promptTokensMax
        }
        return job
    }

    /// The first step, exactly: every row rendered and counted, rows whose answer is in the
    /// cache left out, the rest grouped into requests as the run groups them.
    private func estimateFirstStep(_ configuration: PipelineConfiguration) throws -> (JobEstimate, StepTokens) {
        let tokenizer = try Tokenizer.shared(configuration.encoding)
        let info = catalog.info(for: configuration.model)
        let prices = catalog.prices(for: configuration.model, override: configuration.pricing[configuration.model])
        var estimate = JobEstimate(model: configuration.model, encoding: configuration.encoding.rawValue, pricesDate: catalog.pricesDate)
        estimate.contextWindow = info?.contextWindow
        estimate.pricesSource = prices?.source
        estimate.promptTokensBasis = PromptTokensBasis(configuration.endpoint)
        let completionPerPrompt = CompletionBudget.perPrompt(configuration)
        let maxTokens = CompletionBudget.maxTokens(configuration.params, endpoint: configuration.endpoint, model: configuration.model)
        var tally = RequestTally(configuration: configuration, tokenizer: tokenizer, prices: prices)
        // Rows whose answer is in the cache cost nothing: look each chunk of rows up in the
        // shared store, or in the local cache when it exists (the estimate never creates one).
        var cache: (any AnswerStore)?
        if configuration.cache.enabled {
            if let answers {
                cache = answers
            } else if FileManager.default.fileExists(atPath: configuration.cache.path) {
                cache = try ResponseCache(path: configuration.cache.path)
            }
        }
        var keyer = cache == nil ? nil : ResponseCacheKeyer(configuration: configuration)
        var chunk: [(row: PreparedRow, key: ResponseCacheKey)] = []
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
            let tokens = tally.add(row)
            estimate.completionTokensMax += completionPerPrompt
            if let window = info?.contextWindow, tokens + maxTokens > window {
                estimate.overContext.append(row.id)
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
        tally.finish()
        estimate.uncachedRows = tally.rows
        estimate.requests = tally.requests
        estimate.promptTokens = tally.promptTokens
        if tally.packed {
            estimate.unpacked = JobEstimate.Unpacked(requests: tally.unpackedRequests, promptTokens: tally.unpackedPromptTokens)
        }
        if let prices {
            estimate.costMin = tally.costMin
            estimate.costMax = prices.worstCase(promptTokens: estimate.promptTokens, completionTokens: estimate.completionTokensMax)
        }
        let tokens = StepTokens(
            model: configuration.model, prices: prices, requestedTier: ModePlan.requestedTier(configuration.params),
            leastPromptTokens: tally.promptTokens, leastCacheableTokens: tally.cacheableTokens, mostPromptTokens: tally.promptTokens,
            completionTokensMax: estimate.completionTokensMax)
        return (estimate, tokens)
    }

    /// The most tokens step `index`'s answer can add where a later template inserts it:
    /// twice its completion limit (another model may count the same text in more tokens),
    /// or a generous bound for vectors and moderation results.
    private func answerBound(_ index: Int) -> Int {
        let view = configuration.stages[index].configuration
        switch view.endpoint {
        case .completions, .chat, .responses:
            return 2 * CompletionBudget.perPrompt(view) + 4
        case .embeddings, .moderations:
            return 4096
        }
    }

    /// The least answer of `schema` a later template can read: each property of an object
    /// present and empty (objects of their properties, empty lists and texts).
    static func placeholder(_ schema: JSONValue) -> JSONValue {
        guard case .object(let node) = schema else { return .string("") }
        if case .object(let properties)? = node["properties"] {
            return .object(JSONObject(keys: properties.keys, values: properties.values.map(placeholder)))
        }
        return node["type"] == .string("array") ? .array([]) : .string("")
    }

    private func estimateLaterStep(_ index: Int) throws -> (StepEstimate, StepTokens) {
        let step = configuration.stages[index]
        let view = step.configuration
        var estimate = StepEstimate(name: step.name, model: view.model, endpoint: view.endpoint.rawValue)
        estimate.promptTokensBasis = PromptTokensBasis(view.endpoint)
        estimate.pack = view.pack
        let tokenizer = try Tokenizer.shared(view.encoding)
        let prices = catalog.prices(for: view.model, override: view.pricing[view.model])
        let earlier = Array(configuration.stages.prefix(index))
        var insertion = 0
        var insertions = 0
        for path in view.template.fieldPaths where path.hasPrefix("steps.") {
            let name = path.split(separator: ".").dropFirst().first.map(String.init) ?? ""
            if let position = earlier.firstIndex(where: { $0.name == name }) {
                insertion += answerBound(position)
                insertions += 1
            }
        }
        // A `when` that reads only the row is decided here; one that reads an earlier step may
        // skip any row.
        let mayBeSkipped = step.when?.stepReferenced != nil
        let completionPerPrompt = CompletionBudget.perPrompt(view)
        var preparer = try RowPreparer(configuration: configuration.stages[0].configuration)
        preparer.keepFields = true
        var buffer = ""
        var packOverhead: Int?
        var costMin = Money.zero
        var cacheable = 0
        while let result = try preparer.next() {
            guard case .row(let row) = result else { continue }
            var context = row.context ?? JSONObject()
            var steps = JSONObject()
            for previous in earlier {
                var result = JSONObject(keys: ["output", "skipped"], values: [.string(""), .bool(false)])
                // A step with a schema answers an object of it: `steps.NAME.json.FIELD` renders.
                if let schema = previous.configuration.structuredOutput?.schema { result.append("json", Self.placeholder(schema)) }
                steps.append(previous.name, .object(result))
            }
            context.append("steps", .object(steps))
            if let condition = step.when, !mayBeSkipped, !condition.holds(in: context) { continue }
            guard let rendered = try? RowPreparer.render(view.template, instructions: view.instructions, fields: context, into: &buffer)
            else { continue }
            var prepared = row
            prepared.prompt = rendered.prompt
            prepared.messages = rendered.messages
            prepared.instructions = rendered.instructions
            let alone = APIRequest.promptTokens(prepared, tokenizer: tokenizer, endpoint: view.endpoint)
            // Packed, a row's part of its request: its item and its share of the overhead.
            var tokens = alone
            if view.pack > 1 {
                let overhead = packOverhead ?? PackedRequest.overheadTokens(view, row: prepared, tokenizer: tokenizer)
                packOverhead = overhead
                tokens = PackedRequest.promptTokens(prepared, overhead: overhead, configuration: view, tokenizer: tokenizer)
            }
            // An answer inserted can merge with the text around it: the least allows for that.
            let least = max(0, tokens - 2 * insertions)
            estimate.rows += 1
            estimate.promptTokensMax += tokens + insertion
            estimate.promptTokensUnpackedMax += alone + insertion
            estimate.completionTokensMax += completionPerPrompt
            if !mayBeSkipped {
                estimate.promptTokensMin += least
                estimate.promptTokensUnpackedMin += max(0, alone - 2 * insertions)
                cacheable += PromptCache.cacheableTokens(least)
                if let prices { costMin += prices.leastCost(promptTokens: least) }
            }
        }
        estimate.requests = (estimate.rows + view.batchSize - 1) / view.batchSize
        estimate.requestsUnpacked = view.pack > 1 ? estimate.rows : estimate.requests
        if let prices {
            estimate.costMin = costMin
            estimate.costMax = prices.worstCase(promptTokens: estimate.promptTokensMax, completionTokens: estimate.completionTokensMax)
        }
        let tokens = StepTokens(
            model: view.model, prices: prices, requestedTier: ModePlan.requestedTier(view.params),
            leastPromptTokens: estimate.promptTokensMin, leastCacheableTokens: cacheable, mostPromptTokens: estimate.promptTokensMax,
            completionTokensMax: estimate.completionTokensMax)
        return (estimate, tokens)
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

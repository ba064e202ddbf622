import PromptmillTokenizer

/// What the failed records of an output were billed for: answers withheld (refusals,
/// content filters) and answers that broke the step's schema carry their usage and cost.
///
/// `run --retry-failed` writes the output again and sends those rows again; their old
/// records go, but what their answers cost was paid. It is carried into the job's totals as
/// a segment of no rows, so the job's cost and its budget keep counting it.
enum BilledFailures {
    /// The usage and cost of every failed record (or failed step of a multi-step record)
    /// that carries usage, priced by the job's prices for its model; zero totals when the
    /// output cannot be read.
    static func totals(inOutput path: String, configuration: PipelineConfiguration) -> JobLedger.RecordTotals {
        var totals = JobLedger.RecordTotals()
        guard let reader = try? RowReader(path: path, format: .jsonl, displayName: path) else { return totals }
        let prices = Dictionary(
            configuration.stages.map { ($0.configuration.model, $0.configuration.prices) }, uniquingKeysWith: { first, _ in first })
        let multiStep = configuration.steps.count > 1
        func add(_ usage: TokenUsage, model: String) {
            let cost = prices[model].flatMap { $0 }?.cost(of: usage)
            totals.usage += usage
            totals.cost = totals.cost + cost
            if multiStep {
                var figures = totals.models[model] ?? JobLedger.ModelFigures()
                figures.usage += usage
                figures.cost = figures.cost + cost
                totals.models[model] = figures
            }
        }
        while let read = try? reader.next() {
            guard case .row(let row) = read, case .object? = row.fields["error"] else { continue }
            if case .object(let steps)? = row.fields["steps"] {
                for step in steps.values {
                    guard case .object(let fields) = step, case .object? = fields["error"], let usage = usage(fields["usage"]),
                        case .string(let model)? = fields["model"]
                    else { continue }
                    add(usage, model: model)
                }
            } else if let usage = usage(row.fields["usage"]) {
                add(usage, model: configuration.model)
            }
        }
        return totals
    }

    /// A record's `usage` object read back.
    static func usage(_ value: JSONValue?) -> TokenUsage? {
        guard case .object(let usage)? = value else { return nil }
        func number(_ object: JSONObject?, _ key: String) -> Int {
            if case .number(let text)? = object?[key] { return Int(text) ?? 0 }
            return 0
        }
        func details(_ key: String) -> JSONObject? {
            if case .object(let object)? = usage[key] { return object }
            return nil
        }
        return TokenUsage(
            promptTokens: number(usage, "prompt_tokens"), completionTokens: number(usage, "completion_tokens"),
            cachedPromptTokens: number(details("prompt_tokens_details"), "cached_tokens"),
            cacheWriteTokens: number(details("prompt_tokens_details"), "cache_write_tokens"),
            reasoningTokens: number(details("completion_tokens_details"), "reasoning_tokens"), counted: usage["counted"] == .bool(true))
    }
}

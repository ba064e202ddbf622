/// Writes one output record per the contract, as one line of JSON:
/// `{"id","input","output","finish_reason","usage","cost_usd","cached","attempts","error"}`.
enum OutputRecordEncoder {
    /// A row's record: with `eachStep`, the row's figures and `steps` (each step's own
    /// result); otherwise the fields of its one step.
    static func encode(_ row: PreparedRow, stages: [PipelineConfiguration.Step], eachStep: Bool, into writer: inout JSONWriter) {
        if eachStep {
            encode(row, outcomes: row.settled, stages: stages, into: &writer)
        } else if let outcome = row.settled.last {
            let configuration = stages[outcome.step].configuration
            encode(row, outcome: outcome, prices: configuration.prices, structured: configuration.structuredOutput != nil, into: &writer)
        }
    }

    /// The contract's record for one step's outcome. `prices`: nil when the model has none
    /// (an answer's cost is then null). `structured`: the step has a schema, so the record
    /// carries the parsed answer as `json`.
    static func encode(_ row: PreparedRow, outcome: StepOutcome, prices: ModelPrices?, structured: Bool, into writer: inout JSONWriter) {
        head(row, into: &writer)
        let cost: Money?
        let cached: Bool
        let attempts: Int
        switch outcome.kind {
        case .answered(let answer, let usage, let tries):
            write(answer, usage: usage, structured: structured, into: &writer)
            (cost, cached, attempts) = (prices?.cost(of: usage), false, tries)
        case .reused(let answer, let usage, _):
            write(answer, usage: usage, structured: structured, into: &writer)
            (cost, cached, attempts) = (.zero, true, 0)
        case .failed(let failure, let tries):
            // A withheld answer (content filter, refusal) was billed: its usage and cost.
            writer.raw(",\"output\":null,\"finish_reason\":null")
            if let usage = failure.usage { self.usage(usage, into: &writer) } else { writer.raw(",\"usage\":null") }
            (cost, cached, attempts) = (failure.usage.map { prices?.cost(of: $0) } ?? .zero, false, tries)
        case .skipped:
            writer.raw(",\"output\":null,\"finish_reason\":null,\"usage\":null")
            (cost, cached, attempts) = (.zero, false, 0)
        }
        writer.raw(",\"cost_usd\":")
        writer.money(cost)
        writer.raw(cached ? ",\"cached\":true,\"attempts\":" : ",\"cached\":false,\"attempts\":")
        writer.number(attempts)
        writer.raw(",\"error\":")
        if let failure = outcome.failure {
            error(failure, step: nil, into: &writer)
        } else {
            writer.null()
        }
        writer.raw("}\n")
    }

    /// `,"output":…[,"json":…],"finish_reason":…,"usage":{…}`.
    private static func write(_ answer: Answer, usage: TokenUsage, structured: Bool, into writer: inout JSONWriter) {
        writer.raw(",\"output\":")
        answer.writeOutput(into: &writer)
        if structured, case .text(let text) = answer.output { json(text, into: &writer) }
        writer.raw(",\"finish_reason\":")
        answer.writeFinishReason(into: &writer)
        self.usage(usage, into: &writer)
    }

    /// A record for an answer found in the cache: its stored JSON is copied as it is.
    /// `paidHere`: this job paid for it in a run whose record was lost (a kill), so it is
    /// the job's own answer, not a cache hit.
    static func encode(
        _ row: PreparedRow, hit: ResponseCache.Hit, paidHere: Bool, cost: Money?, structured: Bool, into writer: inout JSONWriter
    ) {
        head(row, into: &writer)
        writer.raw(",\"output\":")
        writer.raw(hit.output)
        if structured, case .string(let text)? = try? JSONParser.parse(hit.output) { json(text, into: &writer) }
        writer.raw(",\"finish_reason\":")
        writer.raw(hit.finishReason)
        usage(hit.usage, into: &writer)
        writer.raw(",\"cost_usd\":")
        writer.money(cost)
        writer.raw(paidHere ? ",\"cached\":false,\"attempts\":1,\"error\":null}\n" : ",\"cached\":true,\"attempts\":0,\"error\":null}\n")
    }

    /// `,"json":…`: the answer's text parsed (only answers that passed the step's schema are
    /// kept, so it parses; a text that does not is left out rather than written wrong).
    static func json(_ text: String, into writer: inout JSONWriter) {
        guard let value = try? Array(text.utf8).withUnsafeBytes({ try JSONParser.parse($0) }) else { return }
        writer.raw(",\"json\":")
        writer.value(value)
    }

    static func head(_ row: PreparedRow, into writer: inout JSONWriter) {
        writer.raw("{\"id\":")
        writer.string(row.id)
        writer.raw(",\"input\":")
        writer.value(.object(row.input))
    }

    static func usage(_ usage: TokenUsage, into writer: inout JSONWriter) {
        writer.raw(",\"usage\":{\"prompt_tokens\":")
        writer.number(usage.promptTokens)
        writer.raw(",\"completion_tokens\":")
        writer.number(usage.completionTokens)
        // The details, each only when there is some: the parts of the totals they name.
        if usage.cachedPromptTokens > 0 || usage.cacheWriteTokens > 0 {
            writer.raw(",\"prompt_tokens_details\":{")
            if usage.cachedPromptTokens > 0 {
                writer.raw("\"cached_tokens\":")
                writer.number(usage.cachedPromptTokens)
            }
            if usage.cacheWriteTokens > 0 {
                writer.raw(usage.cachedPromptTokens > 0 ? ",\"cache_write_tokens\":" : "\"cache_write_tokens\":")
                writer.number(usage.cacheWriteTokens)
            }
            writer.raw("}")
        }
        if usage.reasoningTokens > 0 {
            writer.raw(",\"completion_tokens_details\":{\"reasoning_tokens\":")
            writer.number(usage.reasoningTokens)
            writer.raw("}")
        }
        if usage.counted { writer.raw(",\"counted\":true") }
        writer.raw("}")
    }

}

extension OutputRecordEncoder {
    /// A multi-step record: the contract's fields for the row as a whole (`output` and
    /// `finish_reason` of the last step that answered, `usage` and `cost_usd` summed over
    /// the steps, `cached` when every step that ran came from the cache, `attempts` summed,
    /// the first step's `error`), then `steps` with each step's own result.
    static func encode(_ row: PreparedRow, outcomes: [StepOutcome], stages: [PipelineConfiguration.Step], into writer: inout JSONWriter) {
        head(row, into: &writer)
        let last = outcomes.last { $0.answer != nil }
        writer.raw(",\"output\":")
        if let answer = last?.answer { answer.writeOutput(into: &writer) } else { writer.null() }
        writer.raw(",\"finish_reason\":")
        if let answer = last?.answer { answer.writeFinishReason(into: &writer) } else { writer.null() }
        var total = TokenUsage.zero
        var cost: Money? = .zero
        var attempts = 0
        var allCached = last != nil
        for step in outcomes {
            switch step.kind {
            case .answered(_, let usage, let tries):
                total += usage
                attempts += tries
                allCached = false
                cost += stages[step.step].configuration.prices?.cost(of: usage)
            case .reused(_, let usage, _):
                total += usage
            case .failed(let failure, let tries):
                attempts += tries
                if let billed = failure.usage {
                    total += billed
                    cost += stages[step.step].configuration.prices?.cost(of: billed)
                }
            case .skipped:
                break
            }
        }
        let billedFailure = outcomes.contains { $0.failure?.usage != nil }
        if last == nil, !billedFailure { writer.raw(",\"usage\":null") } else { usage(total, into: &writer) }
        writer.raw(",\"cost_usd\":")
        writer.money(cost)
        writer.raw(",\"cached\":")
        writer.bool(allCached)
        writer.raw(",\"attempts\":")
        writer.number(attempts)
        writer.raw(",\"error\":")
        if let failed = outcomes.first(where: { $0.failure != nil }), let failure = failed.failure {
            error(failure, step: stages[failed.step].name, into: &writer)
        } else {
            writer.null()
        }
        writer.raw(",\"steps\":{")
        for (index, step) in outcomes.enumerated() {
            let stage = stages[step.step]
            if index > 0 { writer.raw(",") }
            writer.key(stage.name)
            writer.raw("{\"model\":")
            writer.string(stage.configuration.model)
            switch step.kind {
            case .answered(let answer, let stepUsage, let tries):
                write(answer, usage: stepUsage, structured: stage.configuration.structuredOutput != nil, into: &writer)
                writer.raw(",\"cost_usd\":")
                writer.money(stage.configuration.prices?.cost(of: stepUsage))
                writer.raw(",\"cached\":false,\"attempts\":")
                writer.number(tries)
                writer.raw(",\"skipped\":false,\"error\":null}")
            case .reused(let answer, let stepUsage, _):
                write(answer, usage: stepUsage, structured: stage.configuration.structuredOutput != nil, into: &writer)
                writer.raw(",\"cost_usd\":0,\"cached\":true,\"attempts\":0,\"skipped\":false,\"error\":null}")
            case .skipped:
                writer.raw(
                    ",\"output\":null,\"finish_reason\":null,\"usage\":null,\"cost_usd\":0,\"cached\":false,\"attempts\":0,\"skipped\":true,\"error\":null}"
                )
            case .failed(let failure, let tries):
                writer.raw(",\"output\":null,\"finish_reason\":null")
                if let billed = failure.usage {
                    usage(billed, into: &writer)
                    writer.raw(",\"cost_usd\":")
                    writer.money(stage.configuration.prices?.cost(of: billed))
                } else {
                    writer.raw(",\"usage\":null,\"cost_usd\":0")
                }
                writer.raw(",\"cached\":false,\"attempts\":")
                writer.number(tries)
                writer.raw(",\"skipped\":false,\"error\":")
                error(failure, step: nil, into: &writer)
                writer.raw("}")
            }
        }
        writer.raw("}}\n")
    }

    static func error(_ failure: RowFailure, step: String?, into writer: inout JSONWriter) {
        writer.raw("{\"type\":")
        writer.string(failure.type)
        writer.raw(",\"message\":")
        writer.string(failure.message)
        writer.raw(",\"status\":")
        if let status = failure.status { writer.number(status) } else { writer.null() }
        if let step {
            writer.raw(",\"step\":")
            writer.string(step)
        }
        writer.raw("}")
    }
}

/// Writes one output record per the contract, as one line of JSON:
/// `{"id","input","output","finish_reason","usage","cost_usd","cached","attempts","error"}`.
enum OutputRecordEncoder {
    /// A record for an answer from the API or a permanent error. `cost`: nil when the model
    /// has no price.
    static func encode(_ result: RowResult, cost: Money?, into writer: inout JSONWriter) {
        head(result.row, into: &writer)
        switch result.outcome {
        case .completed(let output, let finishReason, let usage):
            writer.raw(",\"output\":")
            writer.raw(output)
            writer.raw(",\"finish_reason\":")
            writer.raw(finishReason)
            self.usage(usage, into: &writer)
        case .failed:
            writer.raw(",\"output\":null,\"finish_reason\":null,\"usage\":null")
        }
        writer.raw(",\"cost_usd\":")
        writer.money(cost)
        writer.raw(",\"cached\":false,\"attempts\":")
        writer.number(result.attempts)
        writer.raw(",\"error\":")
        if case .failed(let failure) = result.outcome {
            error(failure, step: nil, into: &writer)
        } else {
            writer.null()
        }
        writer.raw("}\n")
    }

    /// A record for an answer found in the cache: its stored JSON is copied as it is.
    /// `paidHere`: this job paid for it in a run whose record was lost (a kill), so it is
    /// the job's own answer, not a cache hit.
    static func encode(_ row: PreparedRow, hit: ResponseCache.Hit, paidHere: Bool, cost: Money?, into writer: inout JSONWriter) {
        head(row, into: &writer)
        writer.raw(",\"output\":")
        writer.raw(hit.output)
        writer.raw(",\"finish_reason\":")
        writer.raw(hit.finishReason)
        usage(hit.usage, into: &writer)
        writer.raw(",\"cost_usd\":")
        writer.money(cost)
        writer.raw(paidHere ? ",\"cached\":false,\"attempts\":1,\"error\":null}\n" : ",\"cached\":true,\"attempts\":0,\"error\":null}\n")
    }

    /// The record's `output`: the text, or a list of texts when `n` > 1.
    static func output(_ texts: [String], into writer: inout JSONWriter) {
        if texts.count == 1 {
            writer.string(texts[0])
        } else {
            writer.raw("[")
            for (index, text) in texts.enumerated() {
                if index > 0 { writer.raw(",") }
                writer.string(text)
            }
            writer.raw("]")
        }
    }

    /// The record's `finish_reason`: one, or a list when `n` > 1.
    static func finishReason(_ reasons: [String?], into writer: inout JSONWriter) {
        if reasons.count == 1 {
            optionalString(reasons[0], into: &writer)
        } else {
            writer.raw("[")
            for (index, reason) in reasons.enumerated() {
                if index > 0 { writer.raw(",") }
                optionalString(reason, into: &writer)
            }
            writer.raw("]")
        }
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
        if usage.cachedPromptTokens > 0 {
            writer.raw(",\"prompt_tokens_details\":{\"cached_tokens\":")
            writer.number(usage.cachedPromptTokens)
            writer.raw("}")
        }
        writer.raw("}")
    }

    private static func optionalString(_ value: String?, into writer: inout JSONWriter) {
        if let value { writer.string(value) } else { writer.null() }
    }
}

extension OutputRecordEncoder {
    /// A multi-step record: the contract's fields for the row as a whole (`output` and
    /// `finish_reason` of the last step that answered, `usage` and `cost_usd` summed over
    /// the steps, `cached` when every step that ran came from the cache, `attempts` summed,
    /// the first step's `error`), then `steps` with each step's own result.
    static func encode(_ row: PreparedRow, steps: [StepOutcome], into writer: inout JSONWriter) {
        head(row, into: &writer)
        let answered = steps.filter { if case .answered = $0.kind { true } else { false } }
        writer.raw(",\"output\":")
        if case .answered(let output, _, _, _, _)? = answered.last?.kind { writer.raw(output) } else { writer.null() }
        writer.raw(",\"finish_reason\":")
        if case .answered(_, let reason, _, _, _)? = answered.last?.kind { writer.raw(reason) } else { writer.null() }
        var total = TokenUsage.zero
        var cost: Money? = .zero
        var attempts = 0
        var allCached = !answered.isEmpty
        for step in steps {
            cost += step.cost
            switch step.kind {
            case .answered(_, _, let usage, let cached, let tries):
                total += usage
                attempts += tries
                if !cached { allCached = false }
            case .failed(_, let tries):
                attempts += tries
            case .skipped:
                break
            }
        }
        if answered.isEmpty { writer.raw(",\"usage\":null") } else { usage(total, into: &writer) }
        writer.raw(",\"cost_usd\":")
        writer.money(cost)
        writer.raw(",\"cached\":")
        writer.bool(allCached)
        writer.raw(",\"attempts\":")
        writer.number(attempts)
        writer.raw(",\"error\":")
        if let failed = steps.first(where: { if case .failed = $0.kind { true } else { false } }), case .failed(let failure, _) = failed.kind {
            error(failure, step: failed.name, into: &writer)
        } else {
            writer.null()
        }
        writer.raw(",\"steps\":{")
        for (index, step) in steps.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.key(step.name)
            writer.raw("{\"model\":")
            writer.string(step.model)
            switch step.kind {
            case .answered(let output, let reason, let stepUsage, let cached, let tries):
                writer.raw(",\"output\":")
                writer.raw(output)
                writer.raw(",\"finish_reason\":")
                writer.raw(reason)
                usage(stepUsage, into: &writer)
                writer.raw(",\"cost_usd\":")
                writer.money(step.cost)
                writer.raw(",\"cached\":")
                writer.bool(cached)
                writer.raw(",\"attempts\":")
                writer.number(tries)
                writer.raw(",\"skipped\":false,\"error\":null}")
            case .skipped:
                writer.raw(",\"output\":null,\"finish_reason\":null,\"usage\":null,\"cost_usd\":0,\"cached\":false,\"attempts\":0,\"skipped\":true,\"error\":null}")
            case .failed(let failure, let tries):
                writer.raw(",\"output\":null,\"finish_reason\":null,\"usage\":null,\"cost_usd\":0,\"cached\":false,\"attempts\":")
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

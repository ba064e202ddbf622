/// A step of a chat or responses pipeline that sets no output limit: each answer may use the
/// model's whole output window, so the estimate's worst case (like the budget) reserves all
/// of it for every row. A reasoning model spends hidden reasoning tokens, billed as output,
/// within the same window.
public struct UncappedOutput: Sendable, Equatable {
    /// The step's name (the job's for a one-step pipeline).
    public var step: String
    public var model: String
    /// The parameter that would bound it: `max_output_tokens` or `max_completion_tokens`.
    public var parameter: String
    /// Tokens reserved for each row's answer: the model's output window (4,096 when the
    /// table does not know the model).
    public var reservedTokens: Int
    /// The table knows the model's output window.
    public var windowKnown: Bool
    /// The model reasons (`ModelInfo.reasons`).
    public var reasoningModel: Bool

    /// What `estimate` prints: what is reserved and how to bound it.
    public var advice: String {
        let window =
            windowKnown
            ? "\(model)'s whole output window, \(reservedTokens) tokens,"
            : "\(reservedTokens) tokens (the table does not know \(model)'s output window)"
        let reasoning =
            reasoningModel
            ? "; \(model) is a reasoning model and its reasoning tokens count as output, so an answer may use all of it" : ""
        return
            "no \(parameter): the worst case reserves \(window) for every row, as a budget does\(reasoning) — set params.\(parameter): N to bound it (N tokens a row)"
    }
}

extension UncappedOutput: Encodable {
    enum CodingKeys: String, CodingKey {
        case step, model, parameter
        case reservedTokens = "reserved_tokens"
        case reasoningModel = "reasoning_model"
        case advice
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(step, forKey: .step)
        try container.encode(model, forKey: .model)
        try container.encode(parameter, forKey: .parameter)
        try container.encode(reservedTokens, forKey: .reservedTokens)
        try container.encode(reasoningModel, forKey: .reasoningModel)
        try container.encode(advice, forKey: .advice)
    }
}

extension UncappedOutput {
    /// The step's uncapped output, or nil when it sets a limit or generates nothing to bound
    /// (completions default to 16 tokens; embeddings and moderations generate none).
    init?(step: String, configuration: PipelineConfiguration, catalog: ModelCatalog) {
        guard configuration.endpoint == .chat || configuration.endpoint == .responses,
            CompletionBudget.cap(configuration.params, endpoint: configuration.endpoint) == nil
        else { return nil }
        let info = catalog.info(for: configuration.model)
        self.init(
            step: step, model: configuration.model, parameter: CompletionBudget.capParameter(configuration.endpoint),
            reservedTokens: CompletionBudget.maxTokens(configuration.params, endpoint: configuration.endpoint, model: configuration.model),
            windowKnown: info?.maxOutputTokens != nil, reasoningModel: info?.reasons ?? false)
    }
}

import PromptmillTokenizer

/// The rows a step will send, in order, grouped into requests as the run groups them: up to
/// the batch size (`pack` rows when packed) a request, a request ending where the end user
/// changes. Counts each request's prompt tokens, and what the same rows would send unpacked,
/// one row a request.
struct RequestTally {
    let configuration: PipelineConfiguration
    let tokenizer: Tokenizer
    let prices: ModelPrices?

    private(set) var rows = 0
    private(set) var requests = 0
    /// As sent: packed requests counted whole (`PackedRequest.requestPromptTokens`).
    private(set) var promptTokens = 0
    /// The least the requests can cost: each priced with as much as the prompt cache may serve.
    private(set) var costMin = Money.zero
    /// Of `promptTokens`, the most OpenAI's prompt cache may serve, request by request
    /// (`PromptCache.cacheableTokens`): what prices the least cost any way.
    private(set) var cacheableTokens = 0
    /// Unpacked, every row its own request (equal to `promptTokens` when not packed).
    private(set) var unpackedPromptTokens = 0

    /// The open request: its rows when packed (counted when it closes), its size otherwise.
    private var open: [PreparedRow] = []
    private var openCount = 0
    private var openUser: String?

    init(configuration: PipelineConfiguration, tokenizer: Tokenizer, prices: ModelPrices?) {
        self.configuration = configuration
        self.tokenizer = tokenizer
        self.prices = prices
    }

    var packed: Bool { configuration.pack > 1 }

    /// Requests the rows would take unpacked: one a row for chat-era endpoints, or the batch
    /// size's share otherwise.
    var unpackedRequests: Int { packed ? rows : requests }

    /// Adds the next row to send; returns its prompt tokens sent alone (what the context
    /// window must hold besides the answer).
    @discardableResult
    mutating func add(_ row: PreparedRow) -> Int {
        let alone = APIRequest.promptTokens(row, tokenizer: tokenizer, endpoint: configuration.endpoint)
        rows += 1
        unpackedPromptTokens += alone
        if openCount > 0, openCount == configuration.batchSize || row.user != openUser { close() }
        openCount += 1
        openUser = row.user
        if packed {
            open.append(row)
        } else {
            promptTokens += alone
            cacheableTokens += PromptCache.cacheableTokens(alone)
            if let prices { costMin += prices.leastCost(promptTokens: alone) }
        }
        return alone
    }

    /// Closes the last request.
    mutating func finish() {
        if openCount > 0 { close() }
    }

    private mutating func close() {
        requests += 1
        if packed {
            let tokens = PackedRequest.requestPromptTokens(open, configuration: configuration, tokenizer: tokenizer)
            promptTokens += tokens
            cacheableTokens += PromptCache.cacheableTokens(tokens)
            if let prices { costMin += prices.leastCost(promptTokens: tokens) }
            open.removeAll(keepingCapacity: true)
        }
        openCount = 0
        openUser = nil
    }
}

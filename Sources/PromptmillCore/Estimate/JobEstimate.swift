/// What a job will take, worked out with no network: exact prompt tokens, the range of
/// completion tokens and cost, the rows that cannot fit, and the least time the limits allow.
public struct JobEstimate: Sendable {
    public var model: String
    public var encoding: String
    public var rows = 0
    public var badRows = 0
    public var requests = 0
    /// Of the rows to send, counted as the API counts them (see `promptTokensBasis`).
    public var promptTokens = 0
    /// How the prompt tokens were counted: the least exact of the steps' bases.
    public var promptTokensBasis = PromptTokensBasis.exact
    /// `max_tokens` × max(n, best_of) for every prompt: the most the job can generate.
    public var completionTokensMax = 0
    /// Rows whose answer is already in the response cache: free, and left out of the
    /// token and cost figures.
    public var cachedRows = 0
    /// Rows that will be sent.
    public var uncachedRows = 0
    /// Ids of rows whose prompt plus `max_tokens` exceed the model's context window.
    public var overContext: [String] = []
    public var contextWindow: Int?
    /// The job's cost as `plan` sends it (today's standard figures for a live job at the
    /// default tier); nil when the model has no price in the table and the pipeline gives
    /// none.
    public var costMin: Money?
    public var costMax: Money?
    /// The cost of each way: `.standard`, `.batch`, and `.flex` when a step's model offers it
    /// (steps whose model does not go at standard); empty without prices.
    public var costByMode: [ServiceTier: CostRange] = [:]
    /// Models of the job that do not offer flex (the table has no flex price for them).
    public var flexNotOffered: [String] = []
    /// Models of the job whose batch prices are half the standard ones by rule, the table
    /// having none of their own (`ModelPrices.prices(for:)`).
    public var batchByRule: [String] = []
    /// The job's `mode:` (or `--mode`).
    public var mode = JobMode.live
    /// The way the job's mode sends its rows to send, and the time each way needs.
    public var plan: ModePlan?
    /// The least time the job can take under its rate limits, nil when it has none.
    public var minSeconds: Double?
    public var pricesDate: String
    /// Where the prices come from (the table, `pricing:`); nil when there are none.
    public var pricesSource: String?
    /// Multi-step pipelines: each step's figures; the job's are their sums, and
    /// `promptTokens` is then the least the steps can send, `promptTokensMax` the most.
    public var steps: [StepEstimate] = []
    public var promptTokensMax: Int?
    /// A one-step pipeline's `pack` (1: not packed); multi-step pipelines give each step's.
    public var pack = 1
    /// Set when a step packs rows (`pack: N`): what the same rows would take sent one a
    /// request. `promptTokensUnpacked` is the least, like `promptTokens`.
    public var unpacked: Unpacked?
    /// Steps of chat or responses without an output limit: their worst case reserves the
    /// model's whole output window for every row.
    public var uncappedOutput: [UncappedOutput] = []
    /// `estimate --check N`: the offline counts of sample requests beside the API's.
    public var check: TokenCountCheckReport?

    public struct Unpacked: Sendable, Equatable {
        public var requests = 0
        public var promptTokens = 0
        /// The least time under the rate limits, nil when there are none.
        public var minSeconds: Double?
    }
}

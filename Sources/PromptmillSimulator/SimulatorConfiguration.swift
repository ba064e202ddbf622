/// How the built-in simulator behaves: its limits, its latency and the faults it injects.
public struct SimulatorConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0: any free port.
    public var port = 0
    /// nil: no limit.
    public var requestsPerMinute: Int?
    public var tokensPerMinute: Int?
    /// Every model has its own requests-per-minute and tokens-per-minute buckets, each with
    /// the limits above, and an answer's `x-ratelimit-*` headers describe its model's buckets,
    /// as OpenAI's limits are per model. Off: one set of buckets for all models.
    public var limitsPerModel = false
    /// Added before each answer.
    public var latency: Duration = .zero
    /// Per-attempt probabilities of each fault.
    public var faults = SimulatorFaults.none
    /// Every request is answered 429 `insufficient_quota`.
    public var insufficientQuota = false
    /// After this many answered (paid) requests, every request is answered 429
    /// `insufficient_quota`, until `Simulator.setQuota` gives more.
    public var quotaRequests: Int?
    /// Appends one JSON line per paid answer, `{"t": unix seconds, "texts": [...],
    /// "prompt_tokens", "completion_tokens"}`: what a kill test needs to count prompts paid
    /// twice, and a budget test what the API was paid.
    public var paidLogPath: String?
    /// Choices come back in random order (their indices stay right).
    public var shuffleChoices = false
    /// When set, a request with any other bearer token gets 401 `invalid_api_key`.
    public var requiredAPIKey: String?
    /// Seeds the faults (those of the transport and of the answers) and the shuffling.
    public var seed: UInt64 = 42
    /// Models served beyond OpenAI's (as a self-hosted OpenAI-compatible server serves its
    /// own); they have no price in the table.
    public var extraModels: [String] = []
    /// Report `prompt_tokens_details.cached_tokens` as OpenAI's prompt cache would: a
    /// prompt of 1,024 tokens or more answered before is mostly served from the cache.
    public var promptCaching = false
    /// The share (0...1) of structured-output answers (`json_schema`, `json_object`; chat and
    /// responses) that break their schema: an enum value outside the enum, a required property
    /// missing, or text that is not JSON. In a packed request (`promptmill_pack`) each item
    /// meets it alone, and a wrong item may instead be missing or come twice.
    public var schemaViolations = 0.0
    /// The share of chat and responses answers that are refusals (billed like answers).
    public var refusals = 0.0
    /// The share of chat and responses answers cut off halfway as at `max_output_tokens`
    /// (responses: status `incomplete`; chat: `finish_reason: length`).
    public var incompleteAnswers = 0.0
    /// Keep every request received, for tests.
    public var recordRequests = false
    /// The Batch API's 24 h window, scaled: a batch's work takes this many seconds from its
    /// creation to `completed` (validating for the first tenth, its lines done evenly until
    /// nine tenths, then finalizing).
    public var batchSeconds = 2.0
    /// The share (0...1) of a batch's lines that fail with a 500 `server_error` line in the
    /// error file, drawn with the seeded generator.
    public var batchLineFailures = 0.0
    /// When set (0...1), every batch ends `expired` once this share of its lines was done:
    /// those lines are in the output file, the rest in the error file as `batch_expired`.
    public var batchExpireAt: Double?
    /// The organisation's enqueued-token limit per model: a batch whose prompt tokens, with
    /// those of the model's batches still validating, in progress or finalizing, exceed it
    /// ends `failed` with `token_limit_exceeded`. nil: no limit.
    public var batchQueueTokens: Int?
    /// The share (0...1) of `service_tier: flex` requests answered 429 `resource_unavailable`
    /// (flex has no capacity), drawn with the seeded generator; they take nothing from the
    /// rate-limit buckets and carry no retry-after.
    public var flexUnavailable = 0.0
    /// Added to the latency of flex answers.
    public var flexLatency: Duration = .zero

    public init() {}
}

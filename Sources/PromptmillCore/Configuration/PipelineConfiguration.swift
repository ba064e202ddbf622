import PromptmillTokenizer

/// A pipeline resolved once, with every default filled in and every flag applied.
///
/// This is the only form of the configuration that travels through a run: no optionals
/// left to interpret, no raw YAML.
public struct PipelineConfiguration: Sendable {
    public struct Input: Sendable {
        /// Absolute path of the input file.
        public var path: String
        /// The path as the pipeline wrote it, for messages.
        public var displayPath: String
        public var format: InputFormat
        /// The field that holds each row's unique id; nil: the 1-based row number is the id.
        public var idField: String?
        public var onBadRow: BadRowPolicy
        /// CSV: the byte between fields (`input.delimiter`, default `,`).
        public var delimiter: UInt8 = UInt8(ascii: ",")
    }

    public enum BadRowPolicy: String, Sendable, CaseIterable {
        /// Stop before anything is sent, naming the row.
        case fail
        /// Leave the row out, and write it to `OUTPUT.rejects.jsonl` with its line and reason.
        case skip
    }

    public struct Limits: Sendable {
        public var requestsPerMinute: Int?
        public var tokensPerMinute: Int?
        /// `max_concurrency`: the most requests in flight per step, when the user set it.
        /// Without it, a step keeps as many in flight as its rate limits and the measured
        /// latency need (Little's law), up to `Limits.concurrencyCeiling`.
        public var maxConcurrency: Int?
        public var maxRetries: Int
        public var timeout: Duration
        /// `max_wait_s` (default 900 s): a server asking to wait longer than this stops the
        /// run (exit 4, resumable) instead of holding it.
        public var maxWait: Duration = .seconds(900)
        /// `timeout_s` as written; nil: 60 s, and 900 s for flex requests (flex answers
        /// slowly by design: platform.openai.com/docs/guides/flex-processing).
        public var timeoutWritten: Duration?
        /// `batch_queue_tokens`: the account's Batch API enqueued-token limit for the model
        /// (the prompt tokens of its batches not yet finished); nil: unknown until a batch
        /// fails with `token_limit_exceeded`, which teaches it.
        public var batchQueueTokens: Int?

        /// How long a request at `tier` waits for its answer.
        public func timeout(for tier: ServiceTier) -> Duration {
            timeoutWritten ?? (tier == .flex ? Self.flexTimeout : timeout)
        }

        public static let flexTimeout: Duration = .seconds(900)

        /// The ceiling on requests in flight when `max_concurrency` is not set: the first
        /// minute's bucket of a 4,096 RPM account sent at once, or about 65,000 requests a
        /// minute at 3 s each (with `ConcurrencyTarget`'s 25% headroom). OpenAI's buckets
        /// start full, so an account's whole minute may go at once: a ceiling under it
        /// leaves a short job waiting on answers while its quota sits unused.
        public static let defaultConcurrencyCeiling = 4096

        /// The most requests a step may have in flight: `concurrencyCeiling(maxConcurrency:
        /// connections:)` with the connections the open-file limit allows now.
        public var concurrencyCeiling: Int {
            Self.concurrencyCeiling(maxConcurrency: maxConcurrency, connections: OpenFileLimit.connections)
        }

        /// `maxConcurrency` when set, else `defaultConcurrencyCeiling`; either held to
        /// `connections`, and at least 1.
        static func concurrencyCeiling(maxConcurrency: Int?, connections: Int) -> Int {
            max(1, min(maxConcurrency ?? defaultConcurrencyCeiling, connections))
        }
    }

    public struct Output: Sendable {
        /// Absolute path of the gzip JSONL file.
        public var path: String
        public var displayPath: String
        /// Input fields copied into each record's `input`.
        public var include: [String]

        public var summaryPath: String { path + ".summary.json" }
        public var rejectsPath: String {
            let base = path.hasSuffix(".jsonl.gz") ? String(path.dropLast(".jsonl.gz".count)) : path
            return base + ".rejects.jsonl"
        }
    }

    /// The response cache shared by all jobs.
    public struct Cache: Sendable {
        public var enabled: Bool
        /// Absolute path of the SQLite file.
        public var path: String
    }

    /// `budget:` and `--max-usd`: spending limits of the job, earlier runs included.
    public struct Budget: Sendable, Equatable {
        /// A hard cap: no request is sent whose worst case could take the job past it.
        public var maxUSD: Money?
        /// One warning when the job's spend crosses it.
        public var warnUSD: Money?

        public init(maxUSD: Money? = nil, warnUSD: Money? = nil) {
            self.maxUSD = maxUSD
            self.warnUSD = warnUSD
        }
    }

    /// One stage of a multi-step pipeline.
    public struct Step: Sendable {
        public var name: String
        /// The step as a one-step pipeline: its endpoint, model, template, params, batch
        /// size, prices and user field over the job's input, limits, cache and budget.
        public var configuration: PipelineConfiguration
        /// Rows for which it does not hold skip the step.
        public var when: StepCondition?
    }

    public var name: String
    /// The pipeline file as the user named it.
    public var pipelinePath: String
    public var input: Input
    public var endpoint: Endpoint
    public var model: String
    /// The tokenizer the model counts with: from `tokenizer:` or from the model's family.
    public var encoding: TokenEncoding
    public var template: RequestTemplate
    /// Parameters passed to the API as they are (checked against the endpoint's own list).
    public var params: JSONObject
    public var batchSize: Int
    public var limits: Limits
    public var output: Output
    public var cache: Cache
    /// Absolute path of the folder holding the job's ledger and lock (`--state-dir`,
    /// default `.promptmill/` beside the pipeline file).
    public var stateDirectory: String
    public var api: APIConfiguration
    public var budget = Budget()
    /// `steps:`, in order; empty for a one-step pipeline. The top-level request fields are
    /// then the first step's (the input is read and checked with its template).
    public var steps: [Step] = []
    /// `user_field`: the input field holding each row's end-user id, sent hashed as `user`.
    public var userField: String? = nil
    /// The model's prices (the table with `pricing:` on top); nil when neither has one.
    public var prices: ModelPrices? = nil
    /// The date of the built-in price table.
    public var pricesDate = ""
    /// `pricing:` as written, by model.
    public var pricing: [String: PriceOverride] = [:]
    /// responses: the `instructions` template, sent as `instructions` (the model reads it as
    /// a developer message before the input); nil when the pipeline has none.
    public var instructions: PromptTemplate? = nil
    /// `pack` (responses and chat, 1...50): rows sent in one request, each answered as an
    /// item of a JSON array (`PackedRequest`); 1 sends each row alone.
    public var pack = 1
    /// `max_schema_retries` (default 1): how many times a row whose answer is not valid JSON
    /// or breaks the schema is sent again before it becomes a `schema_mismatch` record.
    public var maxSchemaRetries = 1

    /// The JSON schema each answer must follow (`params.text.format` or
    /// `params.response_format` of type `json_schema`), checked per row; nil without one.
    public var structuredOutput: StructuredOutput? = nil

    /// `mode:` (`--mode`): live (default), batch or auto.
    public var mode: JobMode = .live
    /// `deadline:` (`--deadline`): when an `auto` job must be done; nil: none.
    public var deadline: Deadline? = nil

    /// `state:` (`--state`, `PROMPTMILL_DATABASE_URL`): the PostgreSQL database where the
    /// job's ledger, answers, rate budget and spend live, so that any number of workers run
    /// it together; nil: one machine, SQLite files under `stateDirectory`.
    public var sharedState: String? = nil

    /// The most rows packed into one request.
    public static let packLimit = 50
}

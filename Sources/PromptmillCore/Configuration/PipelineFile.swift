/// The pipeline file as written: every key optional, every value with its line.
///
/// Decoded once from YAML (`PipelineFile+Decoding.swift`), then resolved once into a
/// `PipelineConfiguration` with every default filled in.
struct PipelineFile: Sendable {
    struct Input: Sendable {
        var path: Located<String>?
        var id: Located<String>?
        var onBadRow: Located<String>?
        var format: Located<String>?
        var delimiter: Located<String>?
    }

    struct Message: Sendable {
        var role: Located<String>
        var content: Located<String>
        var name: Located<String>?
    }

    struct Limits: Sendable {
        var requestsPerMinute: Located<Int>?
        var tokensPerMinute: Located<Int>?
        var maxConcurrency: Located<Int>?
        var maxRetries: Located<Int>?
        var timeoutSeconds: Located<Double>?
        var maxWaitSeconds: Located<Double>?
        var batchQueueTokens: Located<Int>?
    }

    struct Cache: Sendable {
        var enabled: Located<Bool>?
        var path: Located<String>?
    }

    struct Budget: Sendable {
        var maxUSD: Located<Double>?
        var warnUSD: Located<Double>?
    }

    struct Output: Sendable {
        var path: Located<String>?
        var include: Located<[String]>?
    }

    var name: Located<String>?
    var input = Input()
    var endpoint: Located<String>?
    var model: Located<String>?
    var tokenizer: Located<String>?
    var prompt: Located<String>?
    var messages: Located<[Message]>?
    /// responses: the `instructions` template.
    var instructions: Located<String>?
    /// responses and chat: rows per request.
    var pack: Located<Int>?
    var maxSchemaRetries: Located<Int>?
    var inputField: Located<String>?
    var userField: Located<String>?
    /// A step's condition: the row is sent to the step only when it holds.
    var when: Located<String>?
    /// `steps:`: each step decoded as a pipeline file holding only the request keys.
    var steps: Located<[PipelineFile]>?
    var params: Located<JSONObject>?
    var batchSize: Located<Int>?
    var limits = Limits()
    var output = Output()
    var cache = Cache()
    var budget = Budget()
    /// `pricing:` overrides by model name.
    var pricing: [String: Located<PriceOverride>] = [:]
    var baseURL: Located<String>?
    /// `mode:` live, batch or auto.
    var mode: Located<String>?
    /// `deadline:` a duration or a time with zone.
    var deadline: Located<String>?
    /// `state:` where the job's state lives when workers share it: a `postgres://` URL.
    var state: Located<String>?
}

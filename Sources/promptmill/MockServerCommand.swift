import ArgumentParser
import Foundation
import PromptmillCore
import PromptmillSimulator

struct MockServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-server",
        abstract: "Serve the built-in OpenAI-compatible simulator, for demos and tests.",
        discussion: """
            Serves completions, chat completions, responses, embeddings and moderations, \
            flex processing (service_tier flex, priority or default echoed in the answer), \
            and the Files and Batch APIs: POST /v1/files (purpose batch, a .jsonl file), \
            GET /v1/files/ID and /v1/files/ID/content, POST /v1/batches, GET /v1/batches \
            and /v1/batches/ID, POST /v1/batches/ID/cancel. A batch's lines get the answers \
            the same requests get live, without rate limits, latency or --fail-rate faults; \
            its state follows OpenAI's and moves with the clock (--batch-seconds). Files and \
            batches are kept in memory until the simulator stops.
            """)

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8080

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Requests per minute before answering 429 (default: no limit).")
    var rpm: Int?

    @Option(help: "Tokens per minute before answering 429 (default: no limit).")
    var tpm: Int?

    @Flag(
        name: .customLong("limits-per-model"),
        help: "Give every model its own --rpm and --tpm buckets, as OpenAI's limits are per model (default: one set for all models).")
    var limitsPerModel = false

    @Option(name: .customLong("latency-ms"), help: "Milliseconds added before each answer.")
    var latencyMs = 0

    @Option(
        name: .customLong("fail-rate"),
        help: "Share of requests (0..1) answered with a fault: 500, 503, a dropped connection or a truncated body, evenly.")
    var failRate = 0.0

    @Option(
        name: .customLong("schema-violations"),
        help:
            "Share of structured-output answers (0..1) that break their schema: an enum value outside it, a required property missing, or not JSON (packed requests: per item, or the item missing or twice)."
    )
    var schemaViolations = 0.0

    @Option(help: "Share of chat and responses answers (0..1) that are refusals.")
    var refusals = 0.0

    @Option(
        name: .customLong("incomplete-answers"),
        help: "Share of chat and responses answers (0..1) cut off halfway, as at max_output_tokens (responses: status incomplete).")
    var incompleteAnswers = 0.0

    @Flag(name: .customLong("insufficient-quota"), help: "Answer every request 429 insufficient_quota.")
    var insufficientQuota = false

    @Flag(name: .customLong("shuffle-choices"), help: "Return choices in random order (their indices stay right).")
    var shuffleChoices = false

    @Flag(
        name: .customLong("prompt-caching"),
        help:
            "Report cached prompt tokens as OpenAI's prompt cache would (prompts of 1,024+ tokens seen before), and responses' cache writes for models priced for them."
    )
    var promptCaching = false

    @Option(name: .customLong("quota-requests"), help: "Answer this many requests, then 429 insufficient_quota.")
    var quotaRequests: Int?

    @Option(name: .customLong("paid-log"), help: "Append one JSON line per paid answer (time and prompts), for kill tests.")
    var paidLog: String?

    @Option(
        name: .customLong("batch-seconds"),
        help:
            "Seconds a Batch API batch takes from creation to completed: the 24 h window, scaled (validating, in_progress as its lines are done, finalizing, completed)."
    )
    var batchSeconds = 2.0

    @Option(
        name: .customLong("batch-line-failures"),
        help: "Share of batch lines (0..1) that fail with a 500 server_error entry in the batch's error file.")
    var batchLineFailures = 0.0

    @Option(
        name: .customLong("batch-expire-at"),
        help:
            "End every batch expired once this share (0..1) of its lines was done: those in the output file, the rest in the error file as batch_expired (default: batches do not expire)."
    )
    var batchExpireAt: Double?

    @Option(
        name: .customLong("batch-queue-tokens"),
        help:
            "Enqueued-token limit per model: a batch whose prompt tokens, with those of the model's unfinished batches, pass it ends failed with token_limit_exceeded (default: no limit)."
    )
    var batchQueueTokens: Int?

    @Option(
        name: .customLong("flex-unavailable"),
        help:
            "Share of service_tier flex requests (0..1) answered 429 resource_unavailable (flex has no capacity), with no retry-after and nothing taken from --rpm/--tpm."
    )
    var flexUnavailable = 0.0

    @Option(name: .customLong("flex-latency-ms"), help: "Milliseconds added to --latency-ms for service_tier flex answers.")
    var flexLatencyMs = 0

    @Option(help: "Seed for faults, batch line failures, flex refusals and shuffling.")
    var seed: UInt64 = 42

    func validate() throws {
        let shares = [
            ("--schema-violations", schemaViolations), ("--refusals", refusals), ("--incomplete-answers", incompleteAnswers),
            ("--batch-line-failures", batchLineFailures), ("--batch-expire-at", batchExpireAt ?? 0), ("--flex-unavailable", flexUnavailable),
        ]
        for (flag, share) in shares where !(0...1).contains(share) {
            throw ValidationError("\(flag) is a share: give a number from 0 to 1, not \(share).")
        }
        guard batchSeconds >= 0 else {
            throw ValidationError("--batch-seconds is how long a batch takes: give 0 or more seconds, not \(batchSeconds).")
        }
        if let tokens = batchQueueTokens, tokens < 1 {
            throw ValidationError("--batch-queue-tokens is a limit of enqueued tokens: give 1 or more, not \(tokens).")
        }
    }

    func run() async throws {
        // A client at a large account's quota holds thousands of connections to it.
        OpenFileLimit.raiseToHardLimit()
        var configuration = SimulatorConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.requestsPerMinute = rpm
        configuration.tokensPerMinute = tpm
        configuration.limitsPerModel = limitsPerModel
        configuration.latency = .milliseconds(latencyMs)
        configuration.faults = .mixed(rate: failRate)
        configuration.schemaViolations = schemaViolations
        configuration.refusals = refusals
        configuration.incompleteAnswers = incompleteAnswers
        configuration.insufficientQuota = insufficientQuota
        configuration.shuffleChoices = shuffleChoices
        configuration.promptCaching = promptCaching
        configuration.seed = seed
        configuration.quotaRequests = quotaRequests
        configuration.paidLogPath = paidLog
        configuration.batchSeconds = batchSeconds
        configuration.batchLineFailures = batchLineFailures
        configuration.batchExpireAt = batchExpireAt
        configuration.batchQueueTokens = batchQueueTokens
        configuration.flexUnavailable = flexUnavailable
        configuration.flexLatency = .milliseconds(flexLatencyMs)
        let simulator = Simulator(configuration: configuration)
        _ = try await simulator.start()
        Terminal.say(
            "promptmill simulator listening on \(simulator.baseURL) — point a pipeline at it with --base-url \(simulator.baseURL); Ctrl-C stops it")
        let signals = InterruptHandler(grace: .zero, notice: "stopping the simulator")
        defer { signals.restore() }
        _ = try? await signals.run {
            try await Task.sleep(for: .seconds(365 * 24 * 3600))
        }
        try await simulator.stop()
    }
}

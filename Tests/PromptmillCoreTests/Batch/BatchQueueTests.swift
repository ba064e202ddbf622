import Foundation
import PromptmillTesting
import PromptmillTokenizer
import Synchronization
import Testing

@testable import PromptmillCore

/// The batch queue against a scripted Batch API and the test clock: no server, no sleeping.
@Suite struct BatchQueueTests {
    /// A run killed between creating a batch and recording its id: the rerun finds the batch
    /// by its `metadata.promptmill_batch`, creates none, polls it with backoff and settles the
    /// row from its output file.
    @Test func aBatchWhoseIDWasLostIsFoundByItsMetadata() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configuration = try LiveDispatcherTests.configuration()
        let row = LiveDispatcherTests.rows[0]
        let request = PlannedRequest(step: 0, rows: [row], tokenCost: row.promptTokens + 4)
        let body = APIRequest.body(configuration, rows: [row])
        let customID = BatchFileLine.customID(body: body)

        let ledger = try JobLedger(path: directory.path + "/job.ledger.sqlite")
        var record = BatchRecord(localID: "local-1", step: 0, lines: 1, tokens: 3, path: directory.path + "/local-1.jsonl", createdAt: 1_000)
        try directory.write("local-1.jsonl", "{}\n")
        record.inputFileID = "file-in"
        record.status = "uploaded"
        try ledger.recordBatch(record, customIDs: [customID])

        let polls = Mutex(0)
        let transport = ScriptedTransport { request, _ in
            let path = String(request.url.dropFirst("http://127.0.0.1:1/v1".count))
            func batch(_ status: String) -> String {
                #"{"id":"batch_1","status":"\#(status)","created_at":1000,"metadata":{"promptmill_batch":"local-1"},"#
                    + #""output_file_id":\#(status == "completed" ? "\"file-out\"" : "null"),"request_counts":{"total":1,"completed":0,"failed":0}}"#
            }
            switch (request.method, path) {
            case ("GET", "/batches?limit=100"):
                return .respond(.json(200, #"{"object":"list","data":[\#(batch("in_progress"))],"has_more":false}"#))
            case ("GET", "/batches/batch_1"):
                let poll = polls.withLock { count in
                    count += 1
                    return count
                }
                return .respond(.json(200, batch(poll < 3 ? "in_progress" : "completed")))
            case ("GET", "/files/file-out/content"):
                let answer =
                    #"{"choices":[{"text":"batch answer","index":0,"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}"#
                return .respond(.json(200, #"{"id":"r1","custom_id":"\#(customID)","response":{"status_code":200,"body":\#(answer)},"error":null}"#))
            default:
                return .respond(.json(500, #"{"error":{"message":"unexpected \#(request.method) \#(path)"}}"#))
            }
        }
        let clock = TestClock()
        let contact = ServerContact()
        let live = LiveDispatcher(
            configuration: configuration, transport: transport, policy: RetryPolicy(maxRetries: 3), clock: clock,
            throttle: RateLimiter(requestsPerMinute: nil, tokensPerMinute: nil, clock: clock),
            settler: Settler(store: nil, generation: JobGeneration.random(), model: configuration.model),
            completionBudget: 4, tokenizer: try Tokenizer.shared(.cl100k_base), contact: contact, seed: 1)
        let queue = BatchQueue(
            settings: BatchQueue.Settings(step: 0, jobName: "sender", fingerprint: "f", directory: directory.path, firstPoll: .seconds(2)),
            configuration: configuration, api: BatchAPI(api: configuration.api, transport: transport), store: ledger, live: live,
            clock: clock, logger: .init(label: "test"), progress: nil, contact: contact)

        let report = try await queue.submit(request, body: body, worst: .zero).get()
        guard case .answered(let answer, let usage) = report.results.first?.outcome else {
            Issue.record("the row was not answered: \(report.results)")
            return
        }
        #expect(answer.output == .text("batch answer"))
        #expect(usage.tier == .batch)
        #expect(usage.promptTokens == 3 && usage.completionTokens == 2)
        #expect(!transport.sent.contains { $0.method == "POST" })
        // Polled three times: two waits, the second twice the first.
        #expect(clock.sleeps == [.seconds(2), .seconds(4)])
        let stored = try #require(try ledger.batches().first)
        #expect(stored.batchID == "batch_1")
        #expect(stored.status == "completed")
    }
}

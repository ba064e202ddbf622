import Foundation
import Synchronization
import Testing
@testable import PromptmillCore
import PromptmillSimulator
import PromptmillTesting

/// A step's first request streams, and the head of its answer, before any whole answer, sizes
/// the requests in flight (issue 13: the whole quota used at real latency).
@Suite struct HeadProbeTests {
    typealias Flow = RowFlowTests
    typealias Answers = ServerAnswerTests

    static func streams(_ request: HTTPRequest) -> Bool {
        guard case .object(let body)? = try? request.body.withUnsafeBytes({ try JSONParser.parse($0) }) else { return false }
        return body["stream"] == .bool(true)
    }

    /// The event stream of a chat answer `content`, with its usage.
    static func events(_ content: String) -> [UInt8] {
        let chunk = #"{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":"#
        return Array(
            """
            data: \(chunk){"role":"assistant","content":"\(content)"},"finish_reason":null}],"usage":null}

            data: \(chunk){},"finish_reason":"stop"}],"usage":null}

            data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}

            data: [DONE]


            """.utf8)
    }

    static let limitHeaders = [
        ("x-ratelimit-limit-requests", "6000"), ("x-ratelimit-remaining-requests", "5999"), ("x-ratelimit-reset-requests", "10ms"),
    ]

    /// 300 rows, limits unknown. The server sends the streamed first request's head at once
    /// (6,000 RPM) and holds every answer, the first one's events too, until 300 requests
    /// are waiting together (or 240 s pass, under the pipeline's 300 s request timeout: the
    /// full parallel suite on 2 cores opens connections slowly). Only the head can have told
    /// the job to send past its blind start of 64; every row is answered, the streamed one
    /// like the rest.
    @Test func theFirstHeadSizesTheStartBeforeAnyAnswer() async throws {
        let rows = 300
        let job = try Flow.Job(pipeline: Answers.chatPipeline("limits: {timeout_s: 300}"), rows: (0..<rows).map { "row \($0)" })
        let gate = HeldRequests(opensAt: rows)
        let timeout = Task {
            try? await Task.sleep(for: .seconds(240))
            gate.open()
        }
        defer { timeout.cancel() }
        let server = LoopbackServer(
            respond: { request, _ in
                await gate.hold()
                if Self.streams(request) { return .respond(HTTPResponse(status: 200, headers: [], body: Self.events("ok"))) }
                var answer = Answers.chatAnswer("ok")
                answer.headers += Self.limitHeaders
                return .respond(answer)
            },
            streamHead: { request, _ in
                guard Self.streams(request) else { return nil }
                return HTTPResponse(status: 200, headers: [("content-type", "text/event-stream")] + Self.limitHeaders, body: [])
            })
        try await server.start()
        let (report, records) = try await job.run(over: server, connections: 512)
        try await server.stop()
        #expect(report.complete)
        #expect(records.count == rows && records.allSatisfy { $0["error"] == .null && $0["output"] == .string("ok") })
        #expect(gate.peak == rows, "at most \(gate.peak) requests were in flight before the first answer")
        #expect(server.received.filter(Self.streams).count == 1)
        #expect(report.statistics.retries == 0)
    }

    /// A server that refuses streaming (as some compatible servers refuse `stream_options`,
    /// by message or by `param`, with a 400 or a 422) gets the first request again, whole, at
    /// once; no row fails, nothing else streams, and the refusal is no attempt of the row's.
    @Test(arguments: [
        (
            400,
            #"{"error":{"message":"Unrecognized request argument supplied: stream_options","type":"invalid_request_error","param":null,"code":null}}"#
        ),
        (422, #"{"error":{"message":"Extra inputs are not permitted","type":"BadRequestError","param":"stream","code":422}}"#),
        (400, #"{"error":{"message":"'stream' is not supported by this deployment","type":"invalid_request_error","param":null,"code":null}}"#),
    ])
    func aServerThatRefusesStreamingGetsTheRequestWhole(status: Int, body: String) async throws {
        let job = try Flow.Job(pipeline: Answers.chatPipeline(), rows: ["a", "b", "c"])
        let server = try await LoopbackServer.started { request, _ in
            if Self.streams(request) { return .respond(.json(status, body)) }
            return .respond(Answers.chatAnswer("ok, " + Answers.message(request)))
        }
        let (report, records) = try await job.run(over: server)
        #expect(report.complete)
        #expect(Set(records.compactMap { if case .string(let text)? = $0["output"] { text } else { nil } }) == ["ok, a", "ok, b", "ok, c"])
        #expect(records.allSatisfy { $0["attempts"] == .number("1") })
        #expect(server.received.count == 4)
        #expect(server.received.filter(Self.streams).count == 1)
        #expect(job.clock.sleeps.isEmpty)
    }

    /// Only a refusal that names streaming is one: "upstream" is not "stream".
    @Test func whatRefusesStreaming() {
        func error(_ message: String, param: String? = nil) -> APIErrorBody {
            APIErrorBody(message: message, type: "invalid_request_error", code: nil, param: param)
        }
        #expect(LiveDispatcher.refusesStreaming(status: 400, error("stream_options is not allowed")))
        #expect(LiveDispatcher.refusesStreaming(status: 422, error("Extra inputs", param: "stream_options")))
        #expect(!LiveDispatcher.refusesStreaming(status: 400, error("upstream connect error")))
        #expect(!LiveDispatcher.refusesStreaming(status: 400, error("bad", param: "streams")))
        #expect(!LiveDispatcher.refusesStreaming(status: 429, error("stream rate limited")))
    }

    /// A server that ignores `stream` and answers whole is read as it answered.
    @Test func aServerThatIgnoresStreamingIsReadWhole() async throws {
        let job = try Flow.Job(pipeline: Answers.chatPipeline(), rows: ["a", "b"])
        let server = try await LoopbackServer.started { request, _ in .respond(Answers.chatAnswer("ok, " + Answers.message(request))) }
        let (report, records) = try await job.run(over: server)
        #expect(report.complete)
        #expect(records.count == 2 && records.allSatisfy { $0["error"] == .null })
        #expect(server.received.count == 2)
        #expect(server.received.filter(Self.streams).count == 1)
    }

    /// A streamed answer that breaks after its head (its events end before the last one, or
    /// the connection drops) is retried, whole, and answered; its record counts both attempts.
    @Test(arguments: [true, false])
    func aStreamCutAfterItsHeadIsSentAgain(dropped: Bool) async throws {
        let job = try Flow.Job(pipeline: Answers.chatPipeline(), rows: ["a"])
        let server = LoopbackServer(
            respond: { request, index in
                if Self.streams(request) {
                    if dropped { return .fail(TransportError(.connection, "dropped")) }
                    return .respond(HTTPResponse(status: 200, headers: [], body: Array(Self.events("ok").prefix(40))))
                }
                return .respond(Answers.chatAnswer("ok"))
            },
            streamHead: { request, _ in
                Self.streams(request) ? HTTPResponse(status: 200, headers: [("content-type", "text/event-stream")], body: []) : nil
            })
        try await server.start()
        let (report, records) = try await job.run(over: server)
        try await server.stop()
        #expect(report.complete)
        #expect(records.count == 1 && records[0]["output"] == .string("ok"))
        #expect(records.first?["attempts"] == .number("2"))
        #expect(server.received.count == 2)
        #expect(server.received.filter(Self.streams).count == 1)
    }

    /// A responses step streams its first request through the whole run, against the
    /// simulator over real HTTP: every row answered, with the usage the server reported.
    @Test func aResponsesStepStreamsItsFirstRequest() async throws {
        var configuration = SimulatorConfiguration()
        configuration.requestsPerMinute = 6000
        let harness = try await RunHarness(simulator: configuration)
        defer { Task { await harness.stop() } }
        let (report, records) = try await harness.run(
            pipeline: """
                name: responses
                input: {path: INPUT, id: id}
                endpoint: responses
                model: gpt-5-mini
                messages: [{role: user, content: "Is this review positive? {{text}}"}]
                params: {max_output_tokens: 400}
                output: {path: out.jsonl.gz}
                """, input: EndpointTests.rows(30))
        #expect(report.complete)
        #expect(records.count == 30 && records.allSatisfy { $0["error"] == .null })
        let streamed = harness.simulator.receivedRequests().filter { request in
            guard case .object(let body)? = try? request.body.withUnsafeBytes({ try JSONParser.parse($0) }) else { return false }
            return body["stream"] == .bool(true)
        }
        #expect(streamed.count == 1)
        #expect(report.statistics.countedItems == 0)
    }

    /// Limits heard, no latency yet: what was in flight and the room the limits left go.
    @Test func heardLimitsOpenTheirRoom() {
        var target = ConcurrencyTarget(maxConcurrency: nil, connections: .max)
        let snapshot = ThrottleSnapshot(requestsPerMinute: 6000, availableRequests: 5936)
        #expect(target.limit(snapshot) == ConcurrencyTarget.withoutLimits)
        target.heardLimits(inFlight: 64, snapshot)
        #expect(target.limit(snapshot) == 4096)
        var small = ConcurrencyTarget(maxConcurrency: nil, connections: .max)
        small.heardLimits(inFlight: 64, ThrottleSnapshot(requestsPerMinute: 600, availableRequests: 536))
        // The room stays what it was when the head came, however much has gone since.
        #expect(small.limit(ThrottleSnapshot(requestsPerMinute: 600, availableRequests: 0)) == 600)
        // A small account's room under the blind start keeps the blind start's count.
        var tiny = ConcurrencyTarget(maxConcurrency: nil, connections: .max)
        tiny.heardLimits(inFlight: 3, ThrottleSnapshot(requestsPerMinute: 20, availableRequests: 17))
        #expect(tiny.limit(ThrottleSnapshot(requestsPerMinute: 20, availableRequests: 17)) == ConcurrencyTarget.withoutLimits)
        // No limit in the head: nothing heard.
        var none = ConcurrencyTarget(maxConcurrency: nil, connections: .max)
        none.heardLimits(inFlight: 64, ThrottleSnapshot())
        #expect(none.heardRoom == nil)
        var capped = ConcurrencyTarget(maxConcurrency: 100, connections: .max)
        capped.heardLimits(inFlight: 64, snapshot)
        #expect(capped.limit(snapshot) == 100)
    }
}

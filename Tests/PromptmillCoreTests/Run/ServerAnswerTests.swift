import Foundation
import Testing
@testable import PromptmillCore
import PromptmillTesting

/// Reproductions of answers other servers give (issue 13), run as jobs on the scripted
/// transport and the test clock.
@Suite struct ServerAnswerTests {
    typealias Flow = RowFlowTests

    /// Azure's `-1` limits with no limits in the pipeline: every row is answered, none is
    /// refused as too large for a limit of -1.
    @Test func negativeLimitHeadersRefuseNoRow() async throws {
        let job = try Flow.Job(pipeline: Flow.pipeline(), rows: (0..<100).map { "row \($0)" })
        let transport = ScriptedTransport { request, _ in
            guard case .respond(var response) = Flow.echo(request) else { return Flow.echo(request) }
            response.headers += [
                ("x-ratelimit-limit-tokens", "-1"), ("x-ratelimit-remaining-tokens", "-1"),
                ("x-ratelimit-reset-tokens", "0"), ("x-ratelimit-limit-requests", "0"),
            ]
            return .respond(response)
        }
        let (report, records) = try await job.run(transport)
        #expect(report.complete)
        #expect(Flow.outputs(records).count == 100)
    }

    /// A 429 with an HTML body and `Retry-After` as an HTTP date 11 s ahead: the job waits
    /// the 11 s (on the test clock) and every row is answered.
    @Test func httpDateRetryAfterIsHonoured() async throws {
        let job = try Flow.Job(pipeline: Flow.pipeline(), rows: (0..<4).map { "row \($0)" })
        let transport = ScriptedTransport { request, index in
            guard index == 0 else { return Flow.echo(request) }
            return .respond(
                HTTPResponse(
                    status: 429,
                    headers: [
                        ("content-type", "text/html"), ("date", "Wed, 02 Dec 2026 10:00:00 GMT"),
                        ("retry-after", "Wed, 02 Dec 2026 10:00:11 GMT"),
                    ],
                    body: Array("<html><body>Too Many Requests</body></html>".utf8)))
        }
        let (report, records) = try await job.run(transport)
        #expect(report.complete)
        #expect(job.clock.sleeps.contains(.seconds(11)))
        #expect(Flow.outputs(records).count == 4)
    }

    /// OpenAI's billing hard limit answers every request with a 400: the job stops at the
    /// first one with exit 4 and the provider's message, writes no error record, and leaves
    /// every row pending for the same command to continue.
    @Test func billingHardLimitStopsResumably() async throws {
        let job = try Flow.Job(pipeline: Flow.pipeline(), rows: (0..<100).map { "row \($0)" })
        let refusal = HTTPResponse.json(
            400,
            #"{"error": {"message": "Billing hard limit has been reached", "type": "invalid_request_error", "code": "billing_hard_limit_reached"}}"#)
        let transport = ScriptedTransport { _, _ in .respond(refusal) }
        let (report, records) = try await job.run(transport)
        #expect(report.exitCode == 4)
        #expect(transport.sent.count == 1)
        #expect(records.isEmpty)
        #expect(report.stop?.message.contains("Billing hard limit has been reached") == true)
        let again = ScriptedTransport { request, _ in Flow.echo(request) }
        let (rerun, all) = try await job.run(again)
        #expect(rerun.complete)
        #expect(all.count == 100)
    }
}

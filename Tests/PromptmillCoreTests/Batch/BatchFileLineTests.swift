import Testing

@testable import PromptmillCore

@Suite struct BatchFileLineTests {
    @Test func theSameBodyGetsTheSameCustomID() {
        let body = Array(#"{"model":"gpt-5-mini","messages":[{"role":"user","content":"hi"}]}"#.utf8)
        #expect(BatchFileLine.customID(body: body) == BatchFileLine.customID(body: body))
        #expect(BatchFileLine.customID(body: body) != BatchFileLine.customID(body: body + [32]))
        #expect(BatchFileLine.customID(body: body).hasPrefix("pm-"))
    }

    @Test func aRequestLineHasOpenAIsFourFields() throws {
        var writer = JSONWriter()
        BatchFileLine.encode(customID: "pm-1", endpoint: .chat, body: Array(#"{"model":"m"}"#.utf8), into: &writer)
        #expect(
            String(decoding: writer.bytes, as: UTF8.self)
                == #"{"custom_id":"pm-1","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}"# + "\n")
    }

    @Test func outputErrorAndExpiredLinesAreRead() throws {
        let ok = #"{"id":"batch_req_1","custom_id":"pm-a","response":{"status_code":200,"request_id":"r","body":{"x":1}},"error":null}"#
        guard case (let id, .answered(let status, let body))? = BatchFileLine.parse(Array(ok.utf8)[...]) else {
            Issue.record("not read")
            return
        }
        #expect(id == "pm-a")
        #expect(status == 200)
        #expect(String(decoding: body, as: UTF8.self) == #"{"x":1}"#)

        let failed = #"{"id":"b","custom_id":"pm-b","response":{"status_code":500,"body":{"error":{"message":"boom"}}},"error":null}"#
        guard case ("pm-b", .answered(500, _))? = BatchFileLine.parse(Array(failed.utf8)[...]) else {
            Issue.record("failed line not read")
            return
        }
        let expired =
            #"{"id":"c","custom_id":"pm-c","response":null,"error":{"code":"batch_expired","message":"This request could not be executed before the completion window expired."}}"#
        guard case ("pm-c", .notRun(let code, _))? = BatchFileLine.parse(Array(expired.utf8)[...]) else {
            Issue.record("expired line not read")
            return
        }
        #expect(code == "batch_expired")
        #expect(BatchFileLine.parse(Array("not json".utf8)[...]) == nil)
    }

    @Test func theQueueLimitIsReadFromOpenAIsMessage() {
        let message =
            "Enqueued token limit reached for gpt-4o-mini in organization org-x. Limit: 200,000 enqueued tokens. Please try again once some in_progress batches have been completed."
        #expect(BatchQueue.limit(in: message) == 200_000)
        #expect(BatchQueue.limit(in: "no number here") == nil)
    }
}

import Foundation
import PromptmillCore
import PromptmillSimulator
import Testing

/// The simulator's Files and Batch APIs over real HTTP on loopback: OpenAI's shapes and
/// state machine, answers equal to the live ones, and the faults.
@Suite struct BatchAPITests {
    /// A started simulator and a connection pool to it; raw requests and JSON answers.
    struct Client {
        let simulator: Simulator
        let transport = AsyncHTTPClientTransport(maximumConnections: 2)

        static func started(_ configure: (inout SimulatorConfiguration) -> Void = { _ in }) async throws -> Client {
            var configuration = SimulatorConfiguration()
            // Batches move only when a test moves their clock, unless it asks for less.
            configuration.batchSeconds = 100_000
            configure(&configuration)
            let simulator = Simulator(configuration: configuration)
            try await simulator.start()
            return Client(simulator: simulator)
        }

        func send(_ method: String, _ path: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) async throws
            -> HTTPResponse
        {
            try await transport.send(
                HTTPRequest(method: method, url: simulator.baseURL + path, headers: [("Authorization", "Bearer sk-test")] + headers, body: body),
                timeout: .seconds(60))
        }

        /// A JSON answer's status and object.
        func json(_ method: String, _ path: String, _ body: String? = nil) async throws -> (status: Int, body: JSONObject) {
            let response = try await send(
                method, path, headers: body == nil ? [] : [("Content-Type", "application/json")], body: Array((body ?? "").utf8))
            return (response.status, try Self.object(response.body))
        }

        /// Uploads `lines` as a batch input file; the File object.
        func upload(_ lines: [String], filename: String = "input.jsonl", purpose: String = "batch") async throws -> (status: Int, body: JSONObject) {
            let boundary = "promptmill-test-boundary"
            var body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n\(purpose)\r\n"
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\n"
            body += "Content-Type: application/jsonl\r\n\r\n\(lines.joined(separator: "\n"))\n\r\n--\(boundary)--\r\n"
            let response = try await send(
                "POST", "/files", headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")], body: Array(body.utf8))
            return (response.status, try Self.object(response.body))
        }

        /// Uploads `lines` and creates a batch of them; the Batch object.
        func batch(_ lines: [String], endpoint: String = "/v1/chat/completions", metadata: String = "null") async throws -> JSONObject {
            let file = try await upload(lines)
            #expect(file.status == 200)
            let created = try await json(
                "POST", "/batches",
                #"{"input_file_id":"\#(file.body.string("id") ?? "")","endpoint":"\#(endpoint)","completion_window":"24h","metadata":\#(metadata)}"#)
            #expect(created.status == 200)
            return created.body
        }

        func batch(_ id: String) async throws -> JSONObject {
            try await json("GET", "/batches/\(id)").body
        }

        /// A file's lines, each parsed.
        func lines(ofFile id: String?) async throws -> [JSONObject] {
            guard let id else { return [] }
            let response = try await send("GET", "/files/\(id)/content")
            #expect(response.status == 200)
            return try String(decoding: response.body, as: UTF8.self).split(separator: "\n").map { try Self.object(Array($0.utf8)) }
        }

        func stop() async {
            await transport.shutdown()
            try? await simulator.stop()
        }

        static func object(_ bytes: [UInt8]) throws -> JSONObject {
            guard case .object(let object) = try bytes.withUnsafeBytes({ try JSONParser.parse($0) }) else { throw CocoaError(.coderReadCorrupt) }
            return object
        }
    }

    /// A chat request line of a batch input file.
    static func chatLine(_ id: String, _ review: String, model: String = "gpt-4o-mini", extra: String = "") -> String {
        #"{"custom_id":"\#(id)","method":"POST","url":"/v1/chat/completions","body":{"model":"\#(model)","messages":[{"role":"user","content":"Review: \#(review)\nSentiment:"}],"max_completion_tokens":5\#(extra)}}"#
    }

    static func review(_ index: Int) -> String {
        index.isMultiple(of: 2) ? "great kettle number \(index)" : "it broke after \(index) days"
    }

    static func chatLines(_ count: Int, model: String = "gpt-4o-mini") -> [String] {
        (0..<count).map { chatLine("row-\($0)", review($0), model: model) }
    }

    /// 1234567 as "1,234,567".
    static func grouped(_ number: Int) -> String {
        var text = String(number)
        var mark = text.count - 3
        while mark > 0 {
            text.insert(",", at: text.index(text.startIndex, offsetBy: mark))
            mark -= 3
        }
        return text
    }

    static func requestCounts(_ batch: JSONObject) -> [Int?] {
        let counts = batch.object("request_counts")
        return [counts.int("total"), counts.int("completed"), counts.int("failed")]
    }

    /// A batch goes validating → in_progress → finalizing → completed on the wall clock in
    /// `batchSeconds`; every line's answer is the live answer to the same body, in another
    /// order than the input's, and the batch reports its usage once finished.
    @Test func runsFromUploadToCompletedWithTheLiveAnswers() async throws {
        let client = try await Client.started { $0.batchSeconds = 0.4 }
        defer { Task { await client.stop() } }
        let lines = Self.chatLines(30)
        let file = try await client.upload(lines)
        #expect(file.status == 200)
        #expect(file.body.string("object") == "file")
        #expect(file.body.string("purpose") == "batch")
        #expect(file.body.string("status") == "processed")
        #expect(file.body.int("bytes") == lines.joined(separator: "\n").utf8.count + 1)
        let fileID = try #require(file.body.string("id"))
        let uploaded = try await client.send("GET", "/files/\(fileID)/content")
        #expect(uploaded.body == Array((lines.joined(separator: "\n") + "\n").utf8))

        let created = try await client.json(
            "POST", "/batches", #"{"input_file_id":"\#(fileID)","endpoint":"/v1/chat/completions","completion_window":"24h"}"#)
        #expect(created.status == 200)
        #expect(created.body.string("object") == "batch")
        #expect(created.body.string("status") == "validating")
        #expect(created.body["usage"] == .null)
        #expect(created.body["output_file_id"] == .null)
        let id = try #require(created.body.string("id"))
        #expect(id.hasPrefix("batch_"))

        var batch = created.body
        let deadline = ContinuousClock.now + .seconds(60)
        while batch.string("status") != "completed", ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            batch = try await client.batch(id)
        }
        #expect(batch.string("status") == "completed")
        #expect(Self.requestCounts(batch) == [30, 30, 0])
        #expect(batch["error_file_id"] == .null)
        for key in ["created_at", "in_progress_at", "finalizing_at", "completed_at", "expires_at"] { #expect(batch.int(key) != nil, "\(key)") }
        for key in ["failed_at", "expired_at", "cancelling_at", "cancelled_at"] { #expect(batch[key] == .null, "\(key)") }

        let output = try await client.lines(ofFile: batch.string("output_file_id"))
        #expect(output.count == 30)
        #expect(output.map { $0.string("custom_id") ?? "" } != (0..<30).map { "row-\($0)" })
        var promptTokens = 0
        var completionTokens = 0
        for (index, line) in lines.enumerated() {
            let entry = try #require(output.first { $0.string("custom_id") == "row-\(index)" })
            #expect(entry.string("id")?.hasPrefix("batch_req_") == true)
            #expect(entry["error"] == .null)
            let response = entry.object("response")
            #expect(response.int("status_code") == 200)
            #expect(response.string("request_id") != nil)
            let body = response.object("body")
            let requestBody = try Client.object(Array(line.utf8)).object("body")
            let live = try await client.json("POST", "/chat/completions", SimulatorClient.json(.object(requestBody)))
            #expect(live.status == 200)
            #expect(body["choices"] == live.body["choices"])
            #expect(body["usage"] == live.body["usage"])
            #expect(body.string("service_tier") == "default")
            promptTokens += body.object("usage").int("prompt_tokens") ?? 0
            completionTokens += body.object("usage").int("completion_tokens") ?? 0
        }
        let usage = batch.object("usage")
        #expect(usage.int("input_tokens") == promptTokens)
        #expect(usage.int("output_tokens") == completionTokens)
        #expect(usage.int("total_tokens") == promptTokens + completionTokens)
        #expect(usage.object("input_tokens_details").int("cached_tokens") == 0)
        #expect(usage.object("output_tokens_details").int("reasoning_tokens") == 0)

        let statistics = client.simulator.statistics()
        #expect(statistics.batches.created == 1)
        #expect(statistics.batches.linesAnswered == 30)
        #expect(statistics.batches.promptTokens == promptTokens)
        #expect(statistics.batches.linesFailed == 0)
    }

    /// request_counts.completed grows with the batch clock; the output file exists only once
    /// the batch has completed.
    @Test func linesAreDoneAsTheBatchClockRuns() async throws {
        let client = try await Client.started { $0.batchSeconds = 100_000 }
        defer { Task { await client.stop() } }
        let id = try #require(try await client.batch(Self.chatLines(40)).string("id"))
        #expect(try await client.batch(id).string("status") == "validating")
        client.simulator.advanceBatchTime(by: .seconds(30_000))
        var batch = try await client.batch(id)
        #expect(batch.string("status") == "in_progress")
        #expect(Self.requestCounts(batch) == [40, 10, 0])
        #expect(client.simulator.statistics().batches.linesAnswered == 10)
        client.simulator.advanceBatchTime(by: .seconds(20_000))
        batch = try await client.batch(id)
        #expect(Self.requestCounts(batch) == [40, 20, 0])
        #expect(batch["output_file_id"] == .null)
        #expect(batch["usage"] == .null)
        client.simulator.advanceBatchTime(by: .seconds(45_000))
        batch = try await client.batch(id)
        #expect(batch.string("status") == "finalizing")
        #expect(Self.requestCounts(batch) == [40, 40, 0])
        client.simulator.advanceBatchTime(by: .seconds(5_000))
        batch = try await client.batch(id)
        #expect(batch.string("status") == "completed")
        #expect(try await client.lines(ofFile: batch.string("output_file_id")).count == 40)
        #expect(client.simulator.statistics().batches.linesAnswered == 40)
    }

    /// With batchLineFailures, that share of lines fails with a 500 server_error entry in the
    /// error file; a line the live endpoint would refuse gets the live 4xx there.
    @Test func failingLinesGoToTheErrorFile() async throws {
        let client = try await Client.started {
            $0.batchSeconds = 10
            $0.batchLineFailures = 0.25
        }
        defer { Task { await client.stop() } }
        var lines = Self.chatLines(80)
        lines[3] = Self.chatLine("row-3", "fine", extra: #","temprature":0"#)
        let id = try #require(try await client.batch(lines).string("id"))
        client.simulator.advanceBatchTime(by: .seconds(10))
        let batch = try await client.batch(id)
        #expect(batch.string("status") == "completed")
        let counts = Self.requestCounts(batch)
        let failed = try #require(counts[2])
        #expect(counts[0] == 80)
        #expect(counts[1] == 80 - failed)
        #expect((10...32).contains(failed))
        let errors = try await client.lines(ofFile: batch.string("error_file_id"))
        let output = try await client.lines(ofFile: batch.string("output_file_id"))
        #expect(errors.count == failed)
        #expect(output.count == 80 - failed)
        #expect(Set(errors.compactMap { $0.string("custom_id") }).isDisjoint(with: output.compactMap { $0.string("custom_id") }))
        let refused = try #require(errors.first { $0.string("custom_id") == "row-3" })
        #expect(refused.object("response").int("status_code") == 400)
        #expect(
            refused.object("response").object("body").object("error").string("message") == "Unrecognized request argument supplied: temprature")
        for entry in errors where entry.string("custom_id") != "row-3" {
            #expect(entry["error"] == .null)
            #expect(entry.object("response").int("status_code") == 500)
            let error = entry.object("response").object("body").object("error")
            #expect(error.string("type") == "server_error")
            #expect(error.string("message") == "The server had an error while processing your request. Sorry about that!")
        }
        let statistics = client.simulator.statistics()
        #expect(statistics.batches.linesFailed == failed)
        #expect(statistics.batches.linesAnswered == 80 - failed)
    }

    /// With batchExpireAt 0.7 a batch ends expired once 70% of its lines were done: those in
    /// the output file, the rest in the error file as batch_expired, with response null.
    @Test func expiresAfterTheShareOfLinesDone() async throws {
        let client = try await Client.started {
            $0.batchSeconds = 10
            $0.batchExpireAt = 0.7
        }
        defer { Task { await client.stop() } }
        let id = try #require(try await client.batch(Self.chatLines(20)).string("id"))
        client.simulator.advanceBatchTime(by: .seconds(10))
        let batch = try await client.batch(id)
        #expect(batch.string("status") == "expired")
        #expect(batch.int("expired_at") != nil)
        #expect(batch["completed_at"] == .null)
        #expect(Self.requestCounts(batch) == [20, 14, 6])
        #expect(try await client.lines(ofFile: batch.string("output_file_id")).count == 14)
        let file = try await client.send("GET", "/files/\(batch.string("error_file_id") ?? "")/content")
        let entries = String(decoding: file.body, as: UTF8.self).split(separator: "\n")
        #expect(entries.count == 6)
        let first = try Client.object(Array(entries[0].utf8))
        let expected =
            #"{"id":"\#(first.string("id") ?? "")","custom_id":"\#(first.string("custom_id") ?? "")","response":null,"error":{"code":"batch_expired","message":"This request could not be executed before the completion window expired."}}"#
        #expect(String(entries[0]) == expected)
        #expect(client.simulator.statistics().batches.linesExpired == 6)
        #expect(client.simulator.statistics().batches.linesAnswered == 14)
    }

    /// A batch whose prompt tokens, with those of its model's unfinished batches, pass
    /// batchQueueTokens fails with token_limit_exceeded and OpenAI's message; other models
    /// have their own limit, and a finished batch frees its tokens.
    @Test func failsPastTheEnqueuedTokenLimit() async throws {
        // Ten lines cost `tokens` prompt tokens; the limit holds one such batch, not two.
        let tokens = (0..<10).map {
            SimulatorTokenCounter.exact.chat([(role: "user", content: "Review: \(Self.review($0))\nSentiment:", name: nil)], "gpt-4o-mini")
        }
        .reduce(0, +)
        let client = try await Client.started {
            // Long enough that wall time between calls never moves a batch on.
            $0.batchSeconds = 10_000
            $0.batchQueueTokens = tokens + tokens / 2
        }
        defer { Task { await client.stop() } }
        let kept = try #require(try await client.batch(Self.chatLines(10)).string("id"))
        let refused = try #require(try await client.batch(Self.chatLines(10)).string("id"))
        let otherModel = try #require(try await client.batch(Self.chatLines(10, model: "gpt-4.1-mini")).string("id"))
        #expect(try await client.batch(refused).string("status") == "validating")
        client.simulator.advanceBatchTime(by: .seconds(2_000))
        #expect(try await client.batch(kept).string("status") == "in_progress")
        #expect(try await client.batch(otherModel).string("status") == "in_progress")
        let failed = try await client.batch(refused)
        #expect(failed.string("status") == "failed")
        #expect(failed.int("failed_at") != nil)
        #expect(Self.requestCounts(failed) == [0, 0, 0])
        let errors = failed.object("errors")
        #expect(errors.string("object") == "list")
        let error = try #require(errors.array("data").first?.object)
        #expect(error.string("code") == "token_limit_exceeded")
        let limit = Self.grouped(tokens + tokens / 2)
        #expect(
            error.string("message")
                == "Enqueued token limit reached for gpt-4o-mini in organization org-sim. Limit: \(limit) enqueued tokens. Please try again once some in_progress batches have been completed."
        )
        client.simulator.advanceBatchTime(by: .seconds(8_000))
        #expect(try await client.batch(kept).string("status") == "completed")
        let later = try #require(try await client.batch(Self.chatLines(10)).string("id"))
        client.simulator.advanceBatchTime(by: .seconds(2_000))
        #expect(try await client.batch(later).string("status") == "in_progress")
        let statistics = client.simulator.statistics()
        #expect(statistics.batches.created == 4)
        #expect(statistics.batches.failed == 1)
    }

    /// A file whose lines break the Batch API's rules makes a batch that fails when validation
    /// ends, naming each line: invalid JSON, another URL, another model, a custom_id twice.
    @Test func failsOnInvalidLinesNamingThem() async throws {
        let client = try await Client.started { $0.batchSeconds = 10 }
        defer { Task { await client.stop() } }
        let lines = [
            Self.chatLine("a", "fine"), "{not json", Self.chatLine("b", "fine", model: "gpt-4.1"), Self.chatLine("a", "again"),
            #"{"custom_id":"c","method":"POST","url":"/v1/embeddings","body":{"model":"gpt-4o-mini","input":"x"}}"#,
        ]
        let id = try #require(try await client.batch(lines).string("id"))
        client.simulator.advanceBatchTime(by: .seconds(1))
        let batch = try await client.batch(id)
        #expect(batch.string("status") == "failed")
        let errors = batch.object("errors").array("data").compactMap(\.object)
        #expect(errors.map { $0.string("code") ?? "" } == ["invalid_json_line", "model_mismatch", "duplicate_custom_id", "url_mismatch"])
        #expect(errors.map { $0.int("line") ?? 0 } == [2, 3, 4, 5])
        #expect(errors[0].string("message") == "This line is not parseable as valid JSON.")

        let tooMany = try await client.batch((0...50_000).map { #"{"custom_id":"\#($0)"}"# })
        client.simulator.advanceBatchTime(by: .seconds(1))
        let refused = try await client.batch(tooMany.string("id") ?? "")
        #expect(refused.object("errors").array("data").first?.object?.string("code") == "too_many_tasks")
    }

    /// The list is newest first, pages with limit and after, and echoes each batch's metadata.
    @Test func listsNewestFirstWithMetadataAndPaging() async throws {
        let client = try await Client.started()
        defer { Task { await client.stop() } }
        var ids: [String] = []
        for index in 0..<3 {
            let batch = try await client.batch([Self.chatLine("r", "fine")], metadata: #"{"job":"reviews","part":"\#(index)"}"#)
            #expect(batch.object("metadata").string("part") == "\(index)")
            ids.append(batch.string("id") ?? "")
        }
        let page = try await client.json("GET", "/batches?limit=2")
        #expect(page.status == 200)
        #expect(page.body.string("object") == "list")
        #expect(page.body.array("data").compactMap { $0.object?.string("id") } == [ids[2], ids[1]])
        #expect(page.body.array("data").compactMap { $0.object?.object("metadata").string("part") } == ["2", "1"])
        #expect(page.body.string("first_id") == ids[2])
        #expect(page.body.string("last_id") == ids[1])
        #expect(page.body["has_more"] == .bool(true))
        let next = try await client.json("GET", "/batches?limit=2&after=\(ids[1])")
        #expect(next.body.array("data").compactMap { $0.object?.string("id") } == [ids[0]])
        #expect(next.body["has_more"] == .bool(false))

        let file = try await client.upload([Self.chatLine("r", "fine")])
        let tooMuch = (0..<17).map { #""k\#($0)":"v""# }.joined(separator: ",")
        let refused = try await client.json(
            "POST", "/batches",
            #"{"input_file_id":"\#(file.body.string("id") ?? "")","endpoint":"/v1/chat/completions","completion_window":"24h","metadata":{\#(tooMuch)}}"#
        )
        #expect(refused.status == 400)
        #expect(refused.body.object("error").string("param") == "metadata")
        let window = try await client.json(
            "POST", "/batches",
            #"{"input_file_id":"\#(file.body.string("id") ?? "")","endpoint":"/v1/chat/completions","completion_window":"1h"}"#)
        #expect(window.status == 400)
        #expect(window.body.object("error").string("param") == "completion_window")
    }

    /// A cancel moves a running batch to cancelling, then cancelled: the lines done by then
    /// are in the output file, and only those are paid.
    @Test func cancelKeepsTheLinesDoneByThen() async throws {
        // A window of 100,000 s: the seconds a busy machine takes between the batch's
        // creation and its cancel move its lines by a thousandth of one, where a 100 s
        // window let two seconds finish a 21st line.
        let client = try await Client.started { $0.batchSeconds = 100_000 }
        defer { Task { await client.stop() } }
        let id = try #require(try await client.batch(Self.chatLines(40)).string("id"))
        client.simulator.advanceBatchTime(by: .seconds(50_000))
        let cancelling = try await client.json("POST", "/batches/\(id)/cancel")
        #expect(cancelling.status == 200)
        #expect(cancelling.body.string("status") == "cancelling")
        #expect(cancelling.body.int("cancelling_at") != nil)
        client.simulator.advanceBatchTime(by: .seconds(10_000))
        let batch = try await client.batch(id)
        #expect(batch.string("status") == "cancelled")
        #expect(batch.int("cancelled_at") != nil)
        #expect(Self.requestCounts(batch) == [40, 20, 0])
        #expect(try await client.lines(ofFile: batch.string("output_file_id")).count == 20)
        #expect(batch["error_file_id"] == .null)
        client.simulator.advanceBatchTime(by: .seconds(100_000))
        #expect(Self.requestCounts(try await client.batch(id)) == [40, 20, 0])
        #expect(client.simulator.statistics().batches.linesAnswered == 20)
        #expect(client.simulator.statistics().batches.cancelled == 1)
        #expect(try await client.json("POST", "/batches/\(id)/cancel").status == 409)
    }

    /// Every answered line is written to the paid log once, marked with its batch and
    /// custom_id; failed lines are not.
    @Test func paidLogMarksBatchLines() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("paid-batch-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let client = try await Client.started {
            $0.batchSeconds = 10
            $0.batchLineFailures = 0.2
            $0.paidLogPath = path
        }
        defer { Task { await client.stop() } }
        let id = try #require(try await client.batch(Self.chatLines(30)).string("id"))
        client.simulator.advanceBatchTime(by: .seconds(10))
        let batch = try await client.batch(id)
        let answered = try #require(Self.requestCounts(batch)[1])
        let entries = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try Client.object(Array($0.utf8)) }
        #expect(entries.count == answered)
        #expect(entries.allSatisfy { $0.string("batch") == id })
        #expect(Set(entries.compactMap { $0.string("custom_id") }).count == answered)
        #expect(entries.allSatisfy { ($0.int("prompt_tokens") ?? 0) > 0 })
    }

    /// Files and batches answer at once, without the live latency (an hour here: a call that
    /// waited for it would time out); unknown ids are 404; the upload takes only purpose
    /// batch and .jsonl files.
    @Test func filesAnswerWithoutLiveLatencyAndCheckUploads() async throws {
        let client = try await Client.started { $0.latency = .seconds(3600) }
        defer { Task { await client.stop() } }
        let batch = try await client.batch([Self.chatLine("r", "fine")])
        #expect(try await client.batch(batch.string("id") ?? "").string("status") != nil)
        #expect(try await client.json("GET", "/files/file-nope").status == 404)
        #expect(try await client.send("GET", "/files/file-nope/content").status == 404)
        #expect(try await client.json("GET", "/batches/batch_nope").status == 404)
        let fine = try await client.upload([Self.chatLine("r", "fine")], purpose: "fine-tune")
        #expect(fine.status == 400)
        #expect(fine.body.object("error").string("param") == "purpose")
        #expect(try await client.upload([Self.chatLine("r", "fine")], filename: "input.csv").status == 400)
        let metadata = try await client.json("GET", "/files/\(batch.string("input_file_id") ?? "")")
        #expect(metadata.body.string("filename") == "input.jsonl")
        let anonymous = try await client.transport.send(
            HTTPRequest(method: "GET", url: client.simulator.baseURL + "/batches", headers: [], body: []), timeout: .seconds(10))
        #expect(anonymous.status == 401)
    }
}

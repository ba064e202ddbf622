import Foundation
import Testing
import PromptmillCore
@testable import PromptmillSimulator
import PromptmillTesting

/// Chat, embeddings and moderations against the simulator: batching within OpenAI's limits,
/// the end user's hashed id, and the endpoint's own parameters.
@Suite struct EndpointTests {
    static func rows(_ count: Int, text: (Int) -> String = { "note \($0) about the \(["lamp", "kettle", "fan"][$0 % 3])" }) -> String {
        (1...count).map { "{\"id\":\"e\($0)\",\"user\":\"person\($0 % 7)@example.com\",\"text\":\(JSONValue.string(text($0)).jsonText)}\n" }.joined()
    }

    /// Acceptance: 10,000 rows embedded with batch_size 2048 take 5 requests.
    @Test func tenThousandEmbeddingsInFiveRequests() async throws {
        let harness = try await RunHarness()
        defer { Task { await harness.stop() } }
        let (report, records) = try await harness.run(
            pipeline: """
                name: embed
                input: {path: INPUT, id: id}
                endpoint: embeddings
                model: text-embedding-3-small
                input_field: text
                params: {dimensions: 8}
                batch_size: 2048
                output: {path: out.jsonl.gz}
                """, input: Self.rows(10_000))
        #expect(report.exitCode == 0)
        #expect(records.count == 10_000)
        #expect(harness.simulator.statistics().requests == 5)
        // Sent concurrently, so in any order.
        #expect(try harness.promptCounts(endpoint: "embeddings").sorted() == [1808, 2048, 2048, 2048, 2048])
        #expect(records.allSatisfy { if case .array(let vector)? = $0["output"] { vector.count == 8 } else { false } })
    }

    /// An input over 8,192 tokens gets an error record without being sent; a batch over
    /// 300,000 tokens is split into requests under it.
    @Test func embeddingLimitsPerInputAndPerRequest() async throws {
        let harness = try await RunHarness()
        defer { Task { await harness.stop() } }
        let long = String(repeating: "word ", count: 9000)
        let medium = String(repeating: "word ", count: 7000)
        let (report, records) = try await harness.run(
            pipeline: """
                name: embed-limits
                input: {path: INPUT, id: id}
                endpoint: embeddings
                model: text-embedding-3-small
                input_field: text
                batch_size: 100
                output: {path: out.jsonl.gz}
                """, input: Self.rows(60) { $0 == 1 ? long : "note \($0): " + medium })
        #expect(report.exitCode == 0)
        let failed = records.filter { $0["error"] != .null }
        #expect(failed.count == 1)
        #expect(failed.first?.string("id") == "e1")
        if case .object(let error)? = failed.first?["error"] { #expect(error["type"] == .string("input_too_long")) }
        // 59 inputs of ~7,000 tokens: no request above 300,000 tokens, so at least 2.
        let counts = try harness.promptCounts(endpoint: "embeddings")
        #expect(counts.reduce(0, +) == 59)
        #expect(counts.count >= 2)
        #expect(harness.simulator.statistics().byStatus[400] == nil)
    }

    /// `user_field`: each request carries the SHA-256 of its rows' end user, never the id
    /// itself; a completions batch never mixes users; the cache key ignores the user.
    @Test func endUserIsSentHashed() async throws {
        let harness = try await RunHarness()
        defer { Task { await harness.stop() } }
        let (report, records) = try await harness.run(
            pipeline: """
                name: users
                input: {path: INPUT, id: id}
                endpoint: completions
                model: gpt-3.5-turbo-instruct
                prompt: "Sentiment: {{text}}"
                user_field: user
                params: {max_tokens: 2}
                batch_size: 20
                output: {path: out.jsonl.gz}
                """,
            input: (1...40).map { "{\"id\":\"u\($0)\",\"user\":\"\($0 <= 25 ? "ann@example.com" : "bob@example.com")\",\"text\":\"row \($0)\"}\n" }
                .joined())
        #expect(report.exitCode == 0)
        #expect(records.count == 40)
        var users: [String] = []
        for request in harness.simulator.receivedRequests() {
            let text = String(decoding: request.body, as: UTF8.self)
            #expect(!text.contains("@example.com"))
            guard case .object(let body) = try request.body.withUnsafeBytes({ try JSONParser.parse($0) }),
                case .string(let user)? = body["user"]
            else {
                Issue.record("a request without user")
                continue
            }
            users.append(user)
        }
        #expect(users.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })
        #expect(Set(users).count == 2)
        // 25 rows of one user (20 + 5) and 15 of the other: three requests.
        #expect(try harness.promptCounts().sorted() == [5, 15, 20])
        // The hash is SHA-256 of the id, as `sha256sum` gives it.
        #expect(Set(users) == [Self.sha256("ann@example.com"), Self.sha256("bob@example.com")])
        #expect(Self.sha256("ann@example.com") == "71d4f55f72fa128dfb468a1a3901507c804b74316488744d769d7f4b16696476")
    }

    /// A parameter the endpoint does not take is refused at validate time, with the list
    /// of those it does.
    @Test func parametersAreCheckedPerEndpoint() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("rows.jsonl", "{\"text\":\"hello\"}\n")
        func problems(_ yaml: String) throws -> [String] {
            let path = try directory.write("p.yaml", yaml)
            do {
                _ = try PipelineLoader.load(path: path, environment: [:])
                return []
            } catch {
                return error.problems.map(\.message)
            }
        }
        let embeddings = try problems(
            """
            name: e
            input: {path: rows.jsonl}
            endpoint: embeddings
            model: text-embedding-3-small
            input_field: text
            params: {dimensions: 64, temperature: 0.2, encoding_format: hex}
            output: {path: out.jsonl.gz}
            """)
        #expect(
            embeddings == [
                "params.temperature is not a parameter of the embeddings endpoint — it accepts: dimensions, encoding_format, user",
                "params.encoding_format must be float or base64 (base64 answers are decoded to numbers in the output)",
            ])
        let chat = try problems(
            """
            name: c
            input: {path: rows.jsonl}
            endpoint: chat
            model: gpt-4o-mini
            messages: [{role: user, content: "{{text}}"}]
            params: {max_completion_tokens: 5, best_of: 2, response_format: json}
            output: {path: out.jsonl.gz}
            """)
        #expect(chat.count == 2)
        #expect(chat.first?.hasPrefix("params.best_of is not a parameter of the chat endpoint — ") == true)
        #expect(chat.first?.contains("response_format") == true)
        #expect(chat.last == "params.response_format must be a mapping with a type, e.g. {type: json_object}")
        let moderation = try problems(
            """
            name: m
            input: {path: rows.jsonl}
            endpoint: moderations
            model: omni-moderation-latest
            prompt: "{{text}}"
            input_field: text
            user_field: text
            output: {path: out.jsonl.gz}
            """)
        #expect(
            moderation == [
                "prompt is for other endpoints; moderations sends the text of 'input_field'",
                "user_field: the moderations endpoint takes no user — remove it",
            ])
    }
}

extension EndpointTests {
    /// SHA-256 hex by the system's `sha256sum`, independent of promptmill's own code.
    static func sha256(_ text: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try? process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }
}

extension JSONValue {
    /// Compact JSON text of the value.
    var jsonText: String {
        var writer = JSONWriter()
        writer.value(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension EndpointTests {
    /// Chat with `n` > 1: one request per row, the record's output a list of the `n`
    /// answers in the order of their index, however the API orders them.
    @Test func chatWithSeveralChoices() async throws {
        var simulator = SimulatorConfiguration()
        simulator.shuffleChoices = true
        let harness = try await RunHarness(simulator: simulator)
        defer { Task { await harness.stop() } }
        let (report, records) = try await harness.run(
            pipeline: """
                name: chat-n
                input: {path: INPUT, id: id}
                endpoint: chat
                model: gpt-4o-mini
                messages:
                  - {role: system, content: "Write a short line."}
                  - {role: user, content: "About {{text}}"}
                params: {n: 3, max_completion_tokens: 80, seed: 1}
                output: {path: out.jsonl.gz}
                """, input: Self.rows(12))
        #expect(report.exitCode == 0)
        #expect(harness.simulator.statistics().requests == 12)
        for record in records {
            guard case .array(let outputs)? = record["output"], case .array(let reasons)? = record["finish_reason"] else {
                Issue.record("output is not a list: \(record)")
                continue
            }
            #expect(outputs.count == 3 && reasons.count == 3)
            guard let id = record.string("id"), let number = Int(id.dropFirst()) else { continue }
            let prompt = "About note \(number) about the \(["lamp", "kettle", "fan"][number % 3])"
            let expected = (0..<3).map { JSONValue.string(AnswerRules.text(for: prompt, choice: $0).trimmingCharacters(in: .whitespaces)) }
            #expect(
                outputs.map { value -> JSONValue in
                    if case .string(let text) = value { return .string(text.trimmingCharacters(in: .whitespaces)) }
                    return value
                } == expected, "row \(id)")
        }
    }
}

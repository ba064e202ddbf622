import Foundation
import PromptmillCore
import PromptmillMetrics
import PromptmillSimulator
import Testing

/// `run --metrics`: Prometheus text at `/metrics` over real HTTP on loopback, scraped while
/// a job runs against the simulator.
@Suite struct MetricsServerTests {
    /// A scrape's samples by `name{labels}` (labels as the exposition writes them).
    static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    static func scrape(_ server: MetricsServer, path: String = "/metrics") async throws -> (status: Int, text: String) {
        let transport = AsyncHTTPClientTransport(maximumConnections: 1)
        defer { Task { await transport.shutdown() } }
        let response = try await transport.send(
            HTTPRequest(method: "GET", url: "http://\(server.address)\(path)", headers: [], body: []), timeout: .seconds(10))
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    /// Scraped during the run, the job is seen under way (rows pending, requests counted);
    /// scraped at its end, every counter equals the summary file's figure.
    @Test func countersEqualTheSummaryAtTheEnd() async throws {
        var slow = SimulatorConfiguration()
        slow.latency = .milliseconds(20)
        slow.faults = SimulatorFaults(serverError500: 0.05, serviceUnavailable503: 0, droppedConnection: 0, truncatedBody: 0)
        slow.requestsPerMinute = 6_000
        let harness = try await RunHarness(simulator: slow)
        defer { Task { await harness.stop() } }
        let server = try await MetricsServer.start(MetricsAddress(host: "127.0.0.1", port: 0))
        try harness.directory.write("rows.jsonl", CompletionsRunTests.rows(600))
        try harness.writePipeline(
            """
            name: metrics
            input: {path: INPUT, id: key}
            endpoint: completions
            model: gpt-3.5-turbo-instruct
            prompt: "Continue: {{text}}"
            params: {max_tokens: 5}
            batch_size: 2
            limits: {max_concurrency: 4, max_retries: 12}
            budget: {max_usd: 10}
            output: {path: out.jsonl.gz}
            """)
        let run = Task { try await harness.runAgain(watcher: server) }
        var midway: [String: Double] = [:]
        for _ in 0..<400 {
            let (status, text) = try await Self.scrape(server)
            if status == 200 {
                midway = Self.samples(text)
                if (midway["promptmill_requests_total"] ?? 0) > 0, (midway["promptmill_rows_pending"] ?? 0) > 0 { break }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect((midway["promptmill_requests_total"] ?? 0) > 0, "no scrape saw the run under way")
        #expect((midway["promptmill_rows_pending"] ?? 0) > 0)
        let (report, records) = try await run.value
        #expect(records.count == 600)
        let (status, text) = try await Self.scrape(server)
        await server.stop()
        #expect(status == 200)
        let end = Self.samples(text)
        let configuration = try harness.configuration()
        let summary = try Self.summary(configuration.output.summaryPath)
        func number(_ key: String) -> Double? {
            if case .number(let text)? = summary[key] { Double(text) } else { nil }
        }
        let answered = end["promptmill_rows_total{outcome=\"answered\"}"] ?? -1
        let cached = end["promptmill_rows_total{outcome=\"cached\"}"] ?? -1
        #expect(answered + cached == number("succeeded"))
        #expect(cached == number("cache_hits"))
        #expect(end["promptmill_rows_total{outcome=\"failed\"}"] == number("failed"))
        #expect(end["promptmill_rows_total{outcome=\"rejected\"}"] == number("rejected_rows"))
        #expect(end["promptmill_requests_total"] == number("requests"))
        #expect(end["promptmill_rate_limited_total"] == number("rate_limited"))
        let retries = end.filter { $0.key.hasPrefix("promptmill_retries_total{") }.values.reduce(0, +)
        #expect(retries == number("retries"))
        #expect((end["promptmill_retries_total{cause=\"server_error\"}"] ?? 0) > 0)
        #expect(end["promptmill_tokens_total{kind=\"prompt\"}"] == number("prompt_tokens"))
        #expect(end["promptmill_tokens_total{kind=\"completion\"}"] == number("completion_tokens"))
        #expect(end["promptmill_cost_usd_total"] == number("cost_usd"))
        #expect(end["promptmill_rows_pending"] == 0)
        #expect(end["promptmill_requests_in_flight"] == 0)
        #expect(end["promptmill_budget_usd"] == 10)
        #expect(end["promptmill_budget_left_usd"].map { abs($0 - (10 - (report.statistics.spent?.dollars ?? 0))) < 1e-9 } == true)
        #expect(end["promptmill_request_duration_seconds_count"] == number("requests"))
        #expect(end["promptmill_limit_requests_per_minute{model=\"gpt-3.5-turbo-instruct\"}"] == 6_000)
    }

    static func summary(_ path: String) throws -> JSONObject {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        guard case .object(let object) = try bytes.withUnsafeBytes({ try JSONParser.parse($0) }) else { return JSONObject() }
        return object
    }

    /// Before any run the page answers 200 with the latency histogram only; another path
    /// answers 404 and says where the metrics are.
    @Test func otherPathsAnswer404() async throws {
        let server = try await MetricsServer.start(MetricsAddress(host: "127.0.0.1", port: 0))
        let (status, text) = try await Self.scrape(server, path: "/")
        #expect(status == 404)
        #expect(text.contains("/metrics"))
        let (ok, page) = try await Self.scrape(server, path: "/metrics?x=1")
        #expect(ok == 200)
        #expect(page.contains("# TYPE promptmill_request_duration_seconds histogram"))
        await server.stop()
    }

    /// A port already taken is an error naming the address, not a run without metrics.
    @Test func aTakenPortIsAnError() async throws {
        let first = try await MetricsServer.start(MetricsAddress(host: "127.0.0.1", port: 0))
        defer { Task { await first.stop() } }
        await #expect {
            _ = try await MetricsServer.start(first.address)
        } throws: { error in
            "\(error)".contains("cannot listen on \(first.address): address already in use")
        }
    }

    /// `HOST:PORT`, `[IPv6]:PORT`, `:PORT` and `PORT`; anything else says what form works.
    @Test func addressesParseOrSayWhy() throws {
        #expect(try MetricsAddress("127.0.0.1:9464") == MetricsAddress(host: "127.0.0.1", port: 9464))
        #expect(try MetricsAddress("[::1]:9464") == MetricsAddress(host: "::1", port: 9464))
        #expect(try MetricsAddress(":9464") == MetricsAddress(host: "127.0.0.1", port: 9464))
        #expect(try MetricsAddress("9464") == MetricsAddress(host: "127.0.0.1", port: 9464))
        #expect(try MetricsAddress("0.0.0.0:0").port == 0)
        for (text, says) in [("localhost", "no port"), ("host:http", "not a port"), ("::1:9464", "brackets"), ("h:70000", "not a port")] {
            #expect(throws: MetricsError.self) { try MetricsAddress(text) }
            do {
                _ = try MetricsAddress(text)
            } catch {
                #expect(error.description.contains(says), "\(text): \(error)")
            }
        }
    }
}

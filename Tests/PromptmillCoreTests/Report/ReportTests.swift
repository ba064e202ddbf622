import Foundation
import PromptmillCore
import PromptmillSimulator
import Testing

/// `promptmill report` of a job run against the simulator: answers breaking the schema,
/// refusals and 500s give every table and chart something to show; ids hold HTML.
@Suite struct ReportTests {
    static let pipeline = """
        name: report-demo
        input: {path: INPUT, id: id}
        endpoint: responses
        model: gpt-5-mini
        prompt: "Sentiment of this review: {{text}}"
        params:
          max_output_tokens: 400
          reasoning: {effort: minimal}
          text:
            format:
              type: json_schema
              name: label
              strict: true
              schema:
                type: object
                properties: {sentiment: {type: string, enum: [positive, negative, neutral]}}
                required: [sentiment]
                additionalProperties: false
        limits: {max_concurrency: 8, max_retries: 12}
        budget: {max_usd: 2}
        output: {path: out.jsonl.gz}
        """

    /// 300 rows; six ids carry markup that must reach the page as text, on long reviews
    /// that make them the costliest rows.
    static var rows: String {
        (1...300).map { number in
            let id = number % 50 == 0 ? "<img src=x onerror=alert(\(number))>" : "r\(number)"
            var text = ["great kettle", "the lid broke", "fine, I guess", "loud but works"][number % 4] + " #\(number)"
            if number % 50 == 0 { text += String(repeating: " and it kept working for months", count: 40) }
            return "{\"id\":\"\(id.replacingOccurrences(of: "\"", with: "\\\""))\",\"text\":\"\(text)\"}"
        }.joined(separator: "\n") + "\n"
    }

    /// Runs the job and writes its report; returns the page's path, what was written and
    /// the job's records.
    static func job() async throws -> (harness: RunHarness, written: ReportWriter.Written, records: [JSONObject]) {
        var simulated = SimulatorConfiguration()
        simulated.schemaViolations = 0.3
        simulated.refusals = 0.05
        simulated.faults = SimulatorFaults(serverError500: 0.05, serviceUnavailable503: 0, droppedConnection: 0, truncatedBody: 0)
        simulated.latency = .milliseconds(5)
        let harness = try await RunHarness(simulator: simulated)
        let (_, records) = try await harness.run(pipeline: pipeline, input: rows)
        let written = try ReportWriter.write(try harness.configuration())
        return (harness, written, records)
    }

    /// The page: every chart's canvas, Chart.js inlined (no `src=` to fetch), the summary's
    /// figures, failures grouped by type with counts equal to the records', ids escaped, and
    /// the file private like the output.
    @Test func thePageHoldsItsChartsTablesAndEscapedRows() async throws {
        let (harness, written, records) = try await Self.job()
        defer { Task { await harness.stop() } }
        let page = try String(contentsOfFile: written.path, encoding: .utf8)
        #expect(written.path == harness.outputPath + ".report.html")
        // (Each check is a Bool of its own: a failed expectation on the page would print all
        // of it, Chart.js included.)
        for id in ["chart-throughput", "chart-tokens", "chart-latency", "chart-retries", "chart-spend", "chart-cache", "chart-outcomes"] {
            let drawnHere = page.contains("<canvas id=\"\(id)\">")
            #expect(drawnHere, "\(id)")
        }
        let (inlined, fetches) = (page.contains("Chart.js v"), page.contains("<script src="))
        #expect(inlined && !fetches)
        let (raw, escaped) = (page.contains("<img src=x"), page.contains("<code>&lt;img src=x onerror=alert("))
        #expect(!raw && escaped)
        var failures: [String: Int] = [:]
        for record in records {
            if case .object(let error)? = record["error"], case .string(let type)? = error["type"] { failures[type, default: 0] += 1 }
        }
        #expect(!failures.isEmpty)
        let report = written.report
        #expect(Dictionary(uniqueKeysWithValues: report.digest.failures.map { ($0.type, $0.count) }) == failures)
        #expect(report.digest.records == 300)
        #expect(report.inputRows == 300 && report.pendingRows == 0)
        #expect(report.timeline.samples > 0)
        #expect(report.summary.contains(JobReport.Fact("records", "300")))
        #expect(report.slowest.count == 20)
        #expect(report.timeline.retries["server_error"]?.reduce(0, +) ?? 0 > 0)
        // Rows sent again for a broken schema are retries in the summary as in the chart.
        let charted = report.timeline.retries.values.flatMap { $0 }.reduce(0, +)
        #expect(report.timeline.retries["schema_mismatch"]?.reduce(0, +) ?? 0 > 0)
        #expect(report.summary.contains(JobReport.Fact("retries", String(charted))))
        let mode = try FileManager.default.attributesOfItem(atPath: written.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    /// Acceptance 1 of issue 17: headless Chromium opens the page from disk (no network),
    /// every canvas has pixels, the page saw no error and no console error, and a
    /// screenshot is taken.
    @Test func chromiumDrawsEveryChartWithoutAnError() async throws {
        let (harness, written, _) = try await Self.job()
        defer { Task { await harness.stop() } }
        let browser = try Chromium.locate()
        let dom = try browser.run(["--dump-dom", "file://" + written.path])
        let check = try #require(dom.range(of: "<pre id=\"check\">").map { dom[$0.upperBound...].prefix { $0 != "<" } })
        #expect(check == "canvases: 7; drawn: 7; errors: none")
        let shot = harness.directory.path + "/report.png"
        _ = try browser.run(["--window-size=1400,2200", "--screenshot=" + shot, "file://" + written.path])
        let png = try [UInt8](Data(contentsOf: URL(fileURLWithPath: shot)))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(png.count > 20_000)
    }

    /// A job of 40 overnight runs, each at its 2,048-sample bound (80,000 samples, busy
    /// every second): the charts get at most 1,500 points each, every request counted, and
    /// the page stays far under 5 MB.
    @Test func aLongJobsPageStaysSmall() async throws {
        let harness = try await RunHarness()
        defer { Task { await harness.stop() } }
        _ = try await harness.run(pipeline: Self.pipeline, input: Self.rows)
        let store = LongTimeline(runs: 40, samplesPerRun: 2_048)
        let written = try ReportWriter.write(try harness.configuration(), timeline: store)
        let report = written.report
        #expect(report.timeline.samples == 81_920)
        #expect(report.timeline.t.count <= ReportTimeline.maxPoints)
        #expect(report.timeline.runStarts.count == 39)
        let perMinute = report.timeline.requestsPerMinute
        #expect(perMinute.allSatisfy { abs($0 - 600) < 1e-6 }, "10 requests a second, whatever the merge")
        #expect(written.bytes < 1_500_000)
    }

    /// A run killed after its first run ended leaves the summary file behind the output:
    /// the page says the table is stale and why; with no summary file at all, it says no
    /// run has ended. (The killed run is played by rewriting the file a finished run left.)
    @Test func aStaleSummaryIsSaidToBeStale() async throws {
        let harness = try await RunHarness()
        defer { Task { await harness.stop() } }
        _ = try await harness.run(pipeline: Self.pipeline, input: Self.rows)
        let configuration = try harness.configuration()
        #expect(try JobReport(configuration: configuration).summaryIsStale == false)
        let path = configuration.output.summaryPath
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "\"items\": 300", with: "\"items\": 120").write(toFile: path, atomically: true, encoding: .utf8)
        let stale = try JobReport(configuration: configuration)
        #expect(stale.summaryIsStale)
        #expect(stale.notes.contains { $0.contains("(120 records); the output holds 300 records now") })
        #expect(stale.html(chartLibrary: ChartLibrary(path: "-", script: "")).contains("stale)</h2>"))
        try FileManager.default.removeItem(atPath: path)
        // Rows without a record are pending: the page counts them from the ledger's input size.
        #expect(stale.pendingRows == 0)
        let none = try JobReport(configuration: configuration)
        #expect(none.summaryIsStale && none.notes.contains { $0.contains("no run of this job has ended yet") })
    }

    /// A job's last run given `--output` elsewhere: export and report without `--job-output`
    /// refuse the older file and name the one to pass; with it, they read the new one.
    @Test func anOutputMovedByRunOutputIsNamed() async throws {
        let harness = try await RunHarness()
        defer { Task { await harness.stop() } }
        _ = try await harness.run(pipeline: Self.pipeline, input: Self.rows)
        let moved = harness.directory.path + "/elsewhere.jsonl.gz"
        _ = try await harness.runAgain(options: JobRunner.Options(fresh: true)) { $0.outputPath = moved }
        let configuration = try harness.configuration()
        #expect {
            try ResultsExporter(configuration: configuration, options: .init(format: .csv, destination: harness.directory.path + "/x.csv"))
                .export()
        } throws: { error in
            "\(error)".contains("pass --job-output \(moved)")
        }
        #expect {
            try ReportWriter.write(configuration)
        } throws: { error in
            "\(error)".contains("pass --job-output \(moved)")
        }
        let there = try harness.configuration { $0.outputPath = moved }
        let summary = try ResultsExporter(configuration: there, options: .init(format: .csv, destination: harness.directory.path + "/x.csv")).export()
        #expect(summary.rows == 300 && summary.pending == 0)
    }

    /// Without Chart.js the report says how to install it; a named copy that is not there
    /// says so.
    @Test func aMissingChartLibrarySaysHowToInstallIt() {
        #expect {
            try ChartLibrary.locate(environment: [:], candidates: ["/nonexistent/chart.min.js"])
        } throws: { error in
            "\(error)".contains("apt-get install libjs-chart.js") && "\(error)".contains("PROMPTMILL_CHARTJS")
        }
        #expect {
            try ChartLibrary.locate(environment: ["PROMPTMILL_CHARTJS": "/nonexistent/c.js"])
        } throws: { error in
            "\(error)".contains("/nonexistent/c.js") && "\(error)".contains("no such file")
        }
    }

    /// A job never run has nothing to report: the error says to run it first.
    @Test func aJobNotRunYetSaysRunItFirst() async throws {
        let harness = try await RunHarness()
        defer { Task { await harness.stop() } }
        try harness.directory.write("rows.jsonl", Self.rows)
        try harness.writePipeline(Self.pipeline)
        #expect {
            try ReportWriter.write(try harness.configuration())
        } throws: { error in
            "\(error)".contains("no output at") && "\(error)".contains("promptmill run")
        }
    }
}

/// Debian's `chromium`, headless (installed by `.ci/run`; `PROMPTMILL_CHROMIUM` names
/// another). A test that needs it fails, never skips, without it.
struct Chromium {
    let path: String

    struct Missing: Error, CustomStringConvertible {
        var description: String { "no Chromium at /usr/bin/chromium: apt-get install chromium (as .ci/run does), or set PROMPTMILL_CHROMIUM" }
    }

    static func locate() throws -> Chromium {
        let path = ProcessInfo.processInfo.environment["PROMPTMILL_CHROMIUM"] ?? "/usr/bin/chromium"
        guard FileManager.default.isExecutableFile(atPath: path) else { throw Missing() }
        return Chromium(path: path)
    }

    /// Runs it headless with `arguments`, scripts given 10 s of virtual time; returns stdout.
    func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments =
            ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=10000", "--no-first-run"]
            + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// A timeline of `runs` runs of `samplesPerRun` one-second samples, 10 requests and 8 rows
/// each, runs an hour apart.
struct LongTimeline: TimelineStore {
    let runs: Int
    let samplesPerRun: Int

    func appendTimeline(_ samples: [TimelineSample], run: Int64) throws(StateError) {}
    func recordSlowRequests(_ requests: [SlowRequest], run: Int64) throws(StateError) {}
    func slowRequests(limit: Int) throws(StateError) -> [SlowRequest] { [] }

    func timeline() throws(StateError) -> [(run: Int64, sample: TimelineSample)] {
        (0..<runs).flatMap { run in
            (0..<samplesPerRun).map { second in
                var sample = TimelineSample(start: 1_800_000_000 + Double(run) * 3_600 * 12 + Double(second))
                sample.requests = 10
                sample.prompts = 10
                sample.promptTokens = 1_000
                sample.completionTokens = 20
                sample.rows = ["answered": 8]
                sample.retries = ["server_error": second % 7 == 0 ? 1 : 0]
                sample.latency[5] = 10
                sample.spentUSD = Double(run * samplesPerRun + second) * 0.001
                sample.requestsPerMinuteLimit = 600
                return (run: Int64(run + 1), sample: sample)
            }
        }
    }
}

import ArgumentParser
import Foundation
import PromptmillCore
import PromptmillMetrics

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline: every input row ends as one record in the output file.")

    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @Option(help: "Where to write the gzip JSONL results (beats output.path).")
    var output: String?

    @Option(name: .customLong("base-url"), help: "The API's base URL, e.g. https://api.openai.com/v1 (beats base_url and OPENAI_BASE_URL).")
    var baseURL: String?

    @Flag(help: "Forget the job's earlier progress and write its output again; the response cache is kept, so unchanged rows cost nothing.")
    var fresh = false

    @Flag(
        name: .customLong("retry-failed"),
        help: "Send the rows whose records are errors again, writing the output anew; answers already paid for come from the cache at no cost."
    )
    var retryFailed = false

    @Flag(name: .customLong("no-cache"), help: "Neither read nor write the response cache (a kill then loses the answers not yet written).")
    var noCache = false

    @Option(help: "The response cache's SQLite file (beats cache.path; default $XDG_CACHE_HOME/promptmill/responses.sqlite).")
    var cache: String?

    @Option(name: .customLong("state-dir"), help: "Where the job's ledger and lock live (default: .promptmill/ beside the pipeline).")
    var stateDir: String?

    @Option(
        help:
            "A PostgreSQL URL where the job's state lives, so that any number of workers on any machines run it together (beats state: and PROMPTMILL_DATABASE_URL)."
    )
    var state: String?

    @Option(name: .customLong("max-usd"), help: "A hard cap on the job's spend in USD, earlier runs included (beats budget.max_usd).")
    var maxUSD: Double?

    @Option(help: "How rows reach the API: live, batch (the Batch API, half price, within 24 h) or auto (by --deadline) (beats mode:).")
    var mode: JobMode?

    @Option(help: "With --mode auto: when the job must be done, as 8h, 90m or a time with zone (beats deadline:).")
    var deadline: String?

    @Flag(help: "With batches: once every row waits in a submitted batch, print the state and exit 0 (for cron); a later run collects them.")
    var detach = false

    @Option(help: "How to show progress on stderr: auto, bar, plain or quiet.")
    var progress: ProgressMode = .auto

    @Flag(help: "Start the built-in simulator on a loopback port and run against it; no API key needed.")
    var mock = false

    @Flag(help: "At the end of the run, write the job's HTML report (OUTPUT.report.html; see `promptmill report`).")
    var report = false

    @Option(
        help: ArgumentHelp(
            "Serve live Prometheus metrics at http://HOST:PORT/metrics while the run lasts (e.g. 127.0.0.1:9464).", valueName: "host:port"))
    var metrics: String?

    @Option(name: .customLong("mock-latency-ms"), help: "With --mock: milliseconds the simulator takes per answer, like a real API.")
    var mockLatencyMs = 50

    func run() async throws {
        var overrides = PipelineOverrides(outputPath: output, baseURL: baseURL)
        overrides.noCache = noCache
        overrides.cachePath = cache
        overrides.stateDirectory = stateDir
        overrides.maxUSD = maxUSD
        overrides.mode = mode
        overrides.deadline = deadline
        overrides.state = state
        let code = try await MockSimulator.run(if: mock, latency: .milliseconds(mockLatencyMs), overrides: overrides) {
            await execute(overrides: $0)
        }
        if code != 0 { throw ExitCode(code) }
    }

    private func execute(overrides: PipelineOverrides) async -> Int32 {
        let configuration: PipelineConfiguration
        do {
            configuration = try PipelineLoader.load(path: pipeline, overrides: overrides, apiKey: .required)
        } catch {
            Terminal.error(error.description)
            return 2
        }
        if retryFailed, fresh || !configuration.cache.enabled {
            Terminal.error(
                fresh
                    ? "--retry-failed and --fresh do not go together: --fresh already sends every row whose answer is not in the cache"
                    : "--retry-failed reads the answers already paid for back from the response cache, which is off (--no-cache or cache.enabled: false) — turn the cache on, or use --fresh to pay for every row again"
            )
            return 2
        }
        let shared: (any SharedJobState)?
        do {
            shared = try SharedState.open(configuration)
        } catch {
            Terminal.error(error.description)
            return 1
        }
        // What the end of the run needs is checked before it starts: a report without Chart.js
        // is known now, not after a night's run.
        if report {
            do {
                _ = try ChartLibrary.locate()
            } catch {
                Terminal.error("--report: " + error.description)
                return 2
            }
        }
        var server: MetricsServer?
        if let metrics {
            do {
                server = try await MetricsServer.start(try MetricsAddress(metrics))
            } catch {
                Terminal.error(error.description)
                return 2
            }
            Terminal.say("metrics: http://\(server!.address)/metrics")
        }
        defer { if let server { Task { await server.stop() } } }
        // Each request in flight holds a connection, and the quota may need thousands.
        OpenFileLimit.raiseToHardLimit()
        let transport = AsyncHTTPClientTransport(maximumConnections: configuration.limits.concurrencyCeiling)
        let reporter = ProgressReporter(
            mode: progress.resolved(isTerminal: Terminal.isTerminal), cap: configuration.budget.maxUSD)
        let signals = InterruptHandler()
        let runner = JobRunner(
            configuration: configuration, options: JobRunner.Options(fresh: fresh, retryFailed: retryFailed, detach: detach), transport: transport,
            progress: reporter, stopRequest: signals.stopRequest, shared: shared, watcher: server)
        defer { signals.restore() }
        do {
            let report = try await signals.run { try await runner.run() }
            await transport.shutdown()
            if progress != .quiet { Terminal.say(Self.closing(report, configuration)) }
            if case .detached = report.stop {
                Terminal.say(report.stop!.message)
            } else if let stop = report.stop {
                Terminal.error(stop.message)
            }
            if let message = report.incompleteMessage { Terminal.error(message) }
            if self.report { writeReport(configuration, timeline: shared?.store as? any TimelineStore) }
            await server?.stop()
            return report.exitCode
        } catch let error as BadRowsError {
            await transport.shutdown()
            Terminal.error(error.description)
            return 2
        } catch let error as StateError {
            await transport.shutdown()
            Terminal.error(error.description)
            return 1
        } catch let error as InputError {
            await transport.shutdown()
            Terminal.error(error.description)
            return 2
        } catch {
            await transport.shutdown()
            Terminal.error("\(error)")
            return 1
        }
    }

    /// `--report`: the page of the job as it stands, whatever the run's end. A report that
    /// cannot be written is said, and the run's exit code stays the run's.
    private func writeReport(_ configuration: PipelineConfiguration, timeline: (any TimelineStore)?) {
        do {
            let written = try ReportWriter.write(configuration, timeline: timeline)
            if progress != .quiet { Terminal.say(ReportCommand.line(written)) }
        } catch {
            Terminal.error("--report: " + error.description)
        }
    }

    /// The table printed at the end of every run: the job's figures, earlier runs included.
    static func closing(_ report: RunReport, _ configuration: PipelineConfiguration) -> String {
        // A shared job's worker shows the whole job's figures, and what it did itself.
        var statistics = report.job ?? report.statistics
        if report.job != nil { statistics.spent = report.statistics.spent }
        let own = report.statistics.done - report.statistics.resumedRows
        let seconds = Double(report.elapsed.components.seconds) + Double(report.elapsed.components.attoseconds) / 1e18
        let total = statistics.totalRows ?? statistics.done
        var lines = [
            (report.complete ? "done: " : "stopped: ") + "\(statistics.done) of \(total) rows accounted for → \(configuration.output.displayPath)"
        ]
        if report.job != nil { lines[0] += "; this worker recorded \(own)" }
        func row(_ name: String, _ value: String) {
            lines.append("  " + name.padding(toLength: 10, withPad: " ", startingAt: 0) + value)
        }
        var records =
            "\(statistics.items) records: \(statistics.succeeded) succeeded, \(statistics.failed) failed, \(statistics.cacheHits) from the cache"
        if statistics.resumedRows > 0 { records += "; \(statistics.resumedRows) written by earlier runs" }
        if statistics.rejectedRows > 0 { records += "; \(statistics.rejectedRows) rejected rows" }
        row("rows", records)
        row("requests", "\(statistics.requests) (\(statistics.retries) retries, \(statistics.rateLimited) answered 429)")
        row("tokens", tokens(statistics.usage))
        if let cost = statistics.cost, let prices = configuration.prices {
            row("cost", "\(cost)  (prices: \(prices.source))")
            var saved = "\(statistics.saved ?? .zero) by the cache"
            if let promptCache = statistics.promptCacheSaved, promptCache > .zero { saved += ", \(promptCache) by the prompt cache" }
            row("saved", saved)
        } else {
            row(
                "cost",
                "unknown: '\(configuration.model)' has no price — add 'pricing: {\(configuration.model): {input: USD per 1M, output: USD per 1M}}'")
        }
        if let cap = configuration.budget.maxUSD {
            row(
                "budget",
                "\(statistics.spent ?? .zero) spent of \(cap)"
                    + (statistics.spent.map {
                        $0 > (statistics.cost ?? .zero) ? " (includes requests of unknown fate or answers not yet recorded)" : ""
                    } ?? ""))
        }
        let rate = Double(own) / max(seconds, 0.001)
        row("elapsed", String(format: "%.1f s, ", seconds) + (rate >= 100 ? String(Int(rate)) : String(format: "%.1f", rate)) + " rows/s")
        return lines.joined(separator: "\n")
    }

    /// `12,000 in (4,096 from the prompt cache, 34.1%; 1,024 written to it), 900 out (512 reasoning)`:
    /// each detail only when there is some.
    static func tokens(_ usage: TokenUsage) -> String {
        var details: [String] = []
        if usage.cachedPromptTokens > 0 {
            let share = Double(usage.cachedPromptTokens) / Double(max(usage.promptTokens, 1)) * 100
            details.append("\(grouped(usage.cachedPromptTokens)) from the prompt cache, " + String(format: "%.1f%%", share))
        }
        if usage.cacheWriteTokens > 0 {
            details.append("\(grouped(usage.cacheWriteTokens)) written to " + (details.isEmpty ? "the prompt cache" : "it"))
        }
        var text = "\(grouped(usage.promptTokens)) in"
        if !details.isEmpty { text += " (" + details.joined(separator: "; ") + ")" }
        text += ", \(grouped(usage.completionTokens)) out"
        if usage.reasoningTokens > 0 { text += " (\(grouped(usage.reasoningTokens)) reasoning)" }
        return text
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return result
    }
}

extension ProgressMode: ExpressibleByArgument {}
extension JobMode: ExpressibleByArgument {}

import ArgumentParser
import Foundation
import PromptmillCore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a job's progress and spend from its ledger, and whether a run holds it now.")

    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @Option(help: "The output file, if the run was given --output.")
    var output: String?

    @Option(name: .customLong("state-dir"), help: "Where the job's ledger lives, if the run was given --state-dir.")
    var stateDir: String?

    @Option(help: "The mode the job is run with, if the run was given --mode (for the plan shown).")
    var mode: JobMode?

    @Option(help: "The deadline the job is run with, if the run was given --deadline.")
    var deadline: String?

    @Option(help: "The PostgreSQL URL of the job's shared state, if the run was given --state.")
    var state: String?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        var overrides = PipelineOverrides(outputPath: output)
        overrides.stateDirectory = stateDir
        overrides.mode = mode
        overrides.deadline = deadline
        overrides.state = state
        let status: JobStatus
        do {
            let configuration = try PipelineLoader.load(path: pipeline, overrides: overrides)
            if let shared = try SharedState.open(configuration) {
                print(try Self.shared(shared, configuration: configuration, json: json))
                return
            }
            status = try JobStatus.read(configuration)
        } catch let problems as PipelineProblems {
            for problem in problems.problems { Terminal.error(problem.description) }
            throw ExitCode(2)
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(1)
        }
        print(json ? Self.json(status) : Self.text(status))
    }

    static func text(_ status: JobStatus) -> String {
        var lines = ["job: \(status.name)"]
        lines.append("running: " + (status.runningPID.map { $0 > 0 ? "yes, process \($0)" : "yes" } ?? "no"))
        guard let progress = status.progress else {
            lines.append("progress: not started (no ledger at \(status.ledgerPath))")
            return lines.joined(separator: "\n")
        }
        let records = progress.records
        var rows = "rows: \(records.items) done (\(records.succeeded) succeeded, \(records.failed) failed"
        if records.cacheHits > 0 { rows += ", \(records.cacheHits) from the cache" }
        rows += ")"
        if let pending = status.pendingRows, let total = status.inputRows {
            rows += ", \(pending) pending, of \(total) in the input"
            if let bad = progress.inputBadRows, bad > 0 { rows += " (\(bad) rejected)" }
        }
        lines.append(rows)
        lines.append(
            "requests: \(progress.runs.requests) (\(progress.runs.retries) retries, \(progress.runs.rateLimited) rate-limited) over \(progress.runCount) run\(progress.runCount == 1 ? "" : "s")"
        )
        var spend = "tokens paid: \(records.usage.promptTokens) prompt + \(records.usage.completionTokens) completion; cost "
        spend += records.cost.map { "\($0)" } ?? "unknown (no price for some records)"
        let unknownFate = progress.runs.held + progress.runs.open
        if unknownFate > .zero { spend += ", plus up to \(unknownFate) for requests of unknown fate (timeouts, or in flight when a run was killed)" }
        if let saved = records.saved, records.cacheHits > 0 { spend += "; saved \(saved) by the cache" }
        lines.append(spend)
        if let ended = progress.lastRunEnded {
            lines.append("last run: \(ISO8601DateFormatter().string(from: ended)) (\(progress.lastOutcome ?? "running or killed"))")
        }
        var output = "output: \(status.outputDisplayPath)"
        if let bytes = status.outputBytes {
            output += " (\(bytes) bytes, complete up to byte \(progress.outputEnd))"
        } else {
            output += " (missing)"
        }
        lines.append(output)
        if let plan = status.plan { lines.append("plan: \(plan)") }
        for batch in status.batches where !batch.collected {
            let age = Int(Date().timeIntervalSince1970 - batch.createdAt)
            lines.append(
                "batch \(batch.batchID ?? "(not created yet, \(batch.localID))"): \(batch.status), \(batch.completed) of \(batch.lines) done, \(batch.failed) failed, age \(age / 3600) h \(age % 3600 / 60) min"
            )
        }
        let collected = status.batches.filter(\.collected).count
        if collected > 0 { lines.append("batches collected: \(collected)") }
        if !status.changes.isEmpty {
            lines.append(
                "changed since the last run: \(status.changes.joined(separator: ", ")) — the next run starts the job again (unchanged rows come from the cache)"
            )
        }
        return lines.joined(separator: "\n")
    }

    /// A shared job: its progress over every worker, and each worker with its rows, the
    /// chunks it holds and its lease.
    static func shared(_ shared: any SharedJobState, configuration: PipelineConfiguration, json: Bool) throws -> String {
        let progress = try shared.store.progress()
        let workers = try shared.workers()
        let total = progress?.inputRows.map { $0 + (progress?.inputBadRows ?? 0) }
        let done = progress?.records.items ?? 0
        // Bad rows have no record: they are rejected (or fail the job), never pending.
        let pending = total.map { max(0, $0 - done - (progress?.inputBadRows ?? 0)) }
        if json {
            var object = JSONObject()
            object.append("job", .string(configuration.name))
            object.append("state", .string(shared.location))
            object.append("items", .number(String(done)))
            object.append("input_rows", total.map { .number(String($0)) } ?? .null)
            object.append("rows_pending", pending.map { .number(String($0)) } ?? .null)
            object.append("cost_usd", progress?.records.cost.map { .number($0.decimalText) } ?? .null)
            object.append(
                "workers",
                .array(
                    workers.map { worker in
                        var entry = JSONObject()
                        entry.append("run", .number(String(worker.run)))
                        entry.append("host", .string(worker.host))
                        entry.append("pid", .number(String(worker.pid)))
                        entry.append("rows", .number(String(worker.rows)))
                        entry.append("chunks", .number(String(worker.chunks)))
                        entry.append("lease_s", .number(String(format: "%.1f", worker.leaseSeconds)))
                        entry.append("live", .bool(worker.leaseSeconds > 0))
                        entry.append("outcome", worker.outcome.map(JSONValue.string) ?? .null)
                        return .object(entry)
                    }))
            var writer = JSONWriter()
            writer.value(.object(object))
            return String(decoding: writer.bytes, as: UTF8.self)
        }
        var lines = ["job: \(configuration.name) (shared state on \(shared.location))"]
        guard let progress else {
            lines.append("progress: not started")
            return lines.joined(separator: "\n")
        }
        lines.append(
            "rows: \(done) done" + (total.map { ", \(pending ?? 0) pending, of \($0) in the input" } ?? "")
                + ((progress.inputBadRows ?? 0) > 0 ? ", \(progress.inputBadRows ?? 0) bad" : ""))
        lines.append(
            "requests: \(progress.runs.requests) (\(progress.runs.retries) retries, \(progress.runs.rateLimited) rate-limited); cost "
                + (progress.records.cost.map { "\($0)" } ?? "unknown"))
        let live = workers.filter { $0.leaseSeconds > 0 }
        lines.append("workers: \(live.count) running, \(workers.count) in all")
        for worker in workers {
            let lease = worker.leaseSeconds > 0 ? String(format: "lease %.0f s left", worker.leaseSeconds) : "gone"
            lines.append(
                "  run \(worker.run) on \(worker.host) (pid \(worker.pid)): \(worker.rows) rows, \(worker.chunks) chunks held, \(lease)"
                    + (worker.outcome.map { ", \($0)" } ?? ""))
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ status: JobStatus) -> String {
        JSONDocument.text(status)
    }
}

import ArgumentParser
import Foundation
import PromptmillCore

struct CollectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collect",
        abstract: "Write a shared job's one output from its workers' parts (the last worker to finish does it too).")

    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @Option(help: "The output file, if the workers were given --output.")
    var output: String?

    @Option(help: "The PostgreSQL URL of the job's shared state (beats state: and PROMPTMILL_DATABASE_URL).")
    var state: String?

    @Option(name: .customLong("max-usd"), help: "The cap the workers ran with, for the summary's budget (beats budget.max_usd).")
    var maxUSD: Double?

    @Flag(help: "Write the output of a job that is not done yet: the rows recorded so far, with complete: false.")
    var partial = false

    func run() async throws {
        var overrides = PipelineOverrides(outputPath: output)
        overrides.state = state
        overrides.maxUSD = maxUSD
        let configuration: PipelineConfiguration
        do {
            configuration = try PipelineLoader.load(path: pipeline, overrides: overrides)
        } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        do {
            guard let shared = try SharedState.open(configuration) else {
                Terminal.error(
                    "job '\(configuration.name)' keeps its state on this machine, so its output is already one file (\(configuration.output.displayPath)) — collect is for jobs with state: postgres://... (or --state, PROMPTMILL_DATABASE_URL)"
                )
                throw ExitCode(2)
            }
            guard try await shared.beginCollect() else {
                Terminal.error("another worker of job '\(configuration.name)' is writing its output now — wait for it and look again")
                throw ExitCode(1)
            }
            let done = try await shared.jobDone()
            if !done, !partial {
                await shared.endCollect()
                Terminal.error(
                    "job '\(configuration.name)' is not done: \(try pendingRows(shared)) rows have no record yet, so \(configuration.output.displayPath) was left as it is — run `promptmill run \(commandTail(configuration))` (on any machine) to finish it (its last worker collects), or pass --partial to write the rows recorded so far"
                )
                throw ExitCode(1)
            }
            let records = try await JobRunner.collect(shared, configuration: configuration)
            await shared.endCollect()
            print("\(records) records from \(try shared.parts().count) parts → \(configuration.output.displayPath)")
            if !done {
                Terminal.error(
                    "job '\(configuration.name)' is not done: \(try pendingRows(shared)) rows have no record yet (the summary says complete: false) — run `promptmill run \(commandTail(configuration))` (on any machine) to finish it; its last worker collects again"
                )
                throw ExitCode(1)
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            Terminal.error("\(error)")
            throw ExitCode(1)
        }
    }

    /// Rows without a record yet, as the job's store counts them (bad rows are not counted: they are rejected).
    private func pendingRows(_ shared: any SharedJobState) throws -> Int {
        guard let progress = try shared.store.progress() else { return 0 }
        return max(0, (progress.inputRows ?? 0) - progress.records.items)
    }

    /// The pipeline and the state flag as the user gave them (never the URL: it may hold a
    /// password).
    private func commandTail(_ configuration: PipelineConfiguration) -> String {
        configuration.pipelinePath + (state == nil ? "" : " --state URL")
    }
}

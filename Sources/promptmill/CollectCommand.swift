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

    func run() async throws {
        var overrides = PipelineOverrides(outputPath: output)
        overrides.state = state
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
            let records = try JobRunner.collect(shared, configuration: configuration, elapsed: .zero)
            await shared.endCollect()
            let done = try await shared.jobDone()
            let pending = try shared.store.progress().map { ($0.inputRows ?? 0) - $0.records.items } ?? 0
            print("\(records) records from \(try shared.parts().count) parts → \(configuration.output.displayPath)")
            if !done {
                Terminal.error(
                    "job '\(configuration.name)' is not done: \(max(0, pending)) rows have no record yet — run `promptmill run \(configuration.pipelinePath)` (on any machine) to finish it; its last worker collects again"
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
}

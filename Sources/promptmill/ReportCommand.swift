import ArgumentParser
import Foundation
import PromptmillCore

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the job's report: one self-contained HTML page with its charts over time, summary and tables.")

    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @Option(help: "The page to write (replaced atomically); default: OUTPUT.report.html beside the job's output.")
    var output: String?

    @Option(name: .customLong("job-output"), help: "The job's output file, if the run was given --output.")
    var jobOutput: String?

    @Option(name: .customLong("state-dir"), help: "Where the job's ledger lives, if the run was given --state-dir.")
    var stateDir: String?

    @Option(help: "The PostgreSQL URL of the job's shared state, if the run was given --state.")
    var state: String?

    func run() throws {
        var overrides = PipelineOverrides(outputPath: jobOutput)
        overrides.stateDirectory = stateDir
        overrides.state = state
        let configuration: PipelineConfiguration
        do {
            configuration = try PipelineLoader.load(path: pipeline, overrides: overrides)
        } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        // A shared job's timeline is in its database: every worker run's samples.
        let shared: (any SharedJobState)?
        do {
            shared = try SharedState.open(configuration)
        } catch {
            Terminal.error(error.description)
            throw ExitCode(1)
        }
        do {
            let written = try ReportWriter.write(configuration, to: output, timeline: shared?.store as? any TimelineStore)
            for note in written.report.notes { Terminal.say("note: " + note) }
            Terminal.say(Self.line(written))
        } catch {
            Terminal.error(error.description)
            throw ExitCode(error.exitCode)
        }
    }

    /// `report → out/job.jsonl.gz.report.html (412 KB): 2,400 records, 96 timeline samples`.
    static func line(_ written: ReportWriter.Written) -> String {
        "report → \(written.path) (\(max(1, written.bytes / 1024)) KB): \(written.report.digest.records) records, "
            + "\(written.report.timeline.samples) timeline samples"
    }
}

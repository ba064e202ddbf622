import ArgumentParser
import Foundation
import PromptmillCore

extension ExportFormat: ExpressibleByArgument {}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the job's results joined to its input: one row per input row, in input order, as CSV or JSONL.")

    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @Option(help: "csv (RFC 4180, CRLF line ends) or jsonl.")
    var format: ExportFormat

    @Option(help: "The file to write (replaced atomically); default: standard output.")
    var output: String?

    @Option(name: .customLong("job-output"), help: "The job's output file, if the run was given --output.")
    var jobOutput: String?

    @Option(name: .customLong("state-dir"), help: "Where the job's ledger lives, if the run was given --state-dir.")
    var stateDir: String?

    @Option(help: "The PostgreSQL URL of the job's shared state, if the run was given --state.")
    var state: String?

    @Flag(help: "CSV: start with a UTF-8 byte order mark, so Excel opens non-ASCII text right with a double click.")
    var bom = false

    @Option(name: .customLong("temp-dir"), help: "Where the temporary index of the output's records goes; default: the output's folder.")
    var tempDir: String?

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
        let summary: ExportSummary
        do {
            summary = try ResultsExporter(
                configuration: configuration,
                options: ResultsExporter.Options(format: format, destination: output, temporaryDirectory: tempDir, byteOrderMark: bom)
            ).export()
        } catch {
            Terminal.error(error.description)
            throw ExitCode(error.exitCode)
        }
        for note in summary.notes { Terminal.say("note: " + note) }
        var line = "\(summary.rows) rows → \(output ?? "standard output"): \(summary.succeeded) succeeded, \(summary.failed) failed"
        line += ", \(summary.pending) pending, \(summary.rejected) rejected"
        Terminal.say(line)
    }
}

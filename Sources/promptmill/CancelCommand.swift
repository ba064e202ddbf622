import ArgumentParser
import Foundation
import PromptmillCore

struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel the job's Batch API batches that are still running; the next run collects what they finished.")

    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @Option(name: .customLong("state-dir"), help: "Where the job's ledger lives, if the run was given --state-dir.")
    var stateDir: String?

    @Option(name: .customLong("base-url"), help: "The API's base URL (beats base_url and OPENAI_BASE_URL).")
    var baseURL: String?

    func run() async throws {
        var overrides = PipelineOverrides(baseURL: baseURL)
        overrides.stateDirectory = stateDir
        let configuration: PipelineConfiguration
        do {
            configuration = try PipelineLoader.load(path: pipeline, overrides: overrides, apiKey: .required)
        } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        let transport = AsyncHTTPClientTransport(maximumConnections: 4)
        do {
            let cancelled = try await BatchCancel.cancel(configuration, transport: transport)
            await transport.shutdown()
            for line in cancelled { print(line) }
            if cancelled.isEmpty { print("no running batches for job '\(configuration.name)'") }
        } catch {
            await transport.shutdown()
            Terminal.error("\(error)")
            throw ExitCode(1)
        }
    }
}

import ArgumentParser
import Foundation
import PromptmillCore

struct EstimateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate",
        abstract: "Dry run, no network: exact prompt tokens, requests, the cost range and the least time the limits allow.")

    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        let configuration: PipelineConfiguration
        do {
            configuration = try PipelineLoader.load(path: pipeline)
        } catch {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        let estimate: JobEstimate
        do {
            estimate = try JobEstimator(configuration: configuration, catalog: try ModelCatalog.builtIn()).estimate()
        } catch let error as InputError {
            Terminal.error(error.description)
            throw ExitCode(2)
        }
        if json {
            print(EstimateReport.json(estimate))
        } else {
            print(EstimateReport.table(estimate, pipeline: pipeline, batchSize: configuration.batchSize))
        }
    }
}

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

    @Flag(name: .customLong("no-cache"), help: "Price every row as if the response cache were empty.")
    var noCache = false

    @Option(help: "The response cache to look rows up in (beats cache.path).")
    var cache: String?

    func run() throws {
        let configuration: PipelineConfiguration
        do {
            var overrides = PipelineOverrides()
            overrides.noCache = noCache
            overrides.cachePath = cache
            configuration = try PipelineLoader.load(path: pipeline, overrides: overrides)
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
        } catch let error as StateError {
            Terminal.error(error.description)
            throw ExitCode(1)
        }
        if json {
            print(EstimateReport.json(estimate))
        } else {
            print(EstimateReport.table(estimate, pipeline: pipeline, batchSize: configuration.batchSize))
        }
    }
}

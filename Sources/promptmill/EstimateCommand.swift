import ArgumentParser
import Foundation
import PromptmillCore

struct EstimateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate",
        abstract:
            "Dry run, no network: exact prompt tokens, requests, the cost range of each way (standard, flex, batch), the plan mode: follows and the least time the limits allow."
    )

    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "Plan for this mode: live, batch or auto (beats mode:).")
    var mode: JobMode?

    @Option(help: "With --mode auto: the deadline to plan for, as 8h, 90m or a time with zone (beats deadline:).")
    var deadline: String?

    @Flag(name: .customLong("no-cache"), help: "Price every row as if the response cache were empty.")
    var noCache = false

    @Option(help: "The response cache to look rows up in (beats cache.path).")
    var cache: String?

    @Option(
        help: ArgumentHelp(
            "Send N sample rows, spread evenly over the input, to POST /v1/responses/input_tokens (free of charge) and compare the API's counts with the estimate's (responses pipelines; needs OPENAI_API_KEY or --mock).",
            valueName: "N"))
    var check: Int?

    @Option(name: .customLong("base-url"), help: "With --check: the API's base URL (beats base_url and OPENAI_BASE_URL).")
    var baseURL: String?

    @Flag(help: "With --check: ask the built-in simulator, started on a loopback port; no API key needed.")
    var mock = false

    func validate() throws {
        if let check, check < 1 { throw ValidationError("--check takes a number of rows of 1 or more, found \(check)") }
        if check == nil, mock || baseURL != nil {
            throw ValidationError("\(mock ? "--mock" : "--base-url") goes with --check: estimate alone sends nothing")
        }
        if mock, baseURL != nil { throw ValidationError("--mock and --base-url do not go together: --mock is the base URL") }
    }

    func run() async throws {
        var overrides = PipelineOverrides(baseURL: baseURL)
        overrides.noCache = noCache
        overrides.mode = mode
        overrides.deadline = deadline
        overrides.cachePath = cache
        let code = try await MockSimulator.run(if: mock, latency: .zero, overrides: overrides) { await execute(overrides: $0) }
        if code != 0 { throw ExitCode(code) }
    }

    private func execute(overrides: PipelineOverrides) async -> Int32 {
        let configuration: PipelineConfiguration
        do {
            configuration = try PipelineLoader.load(path: pipeline, overrides: overrides)
        } catch {
            Terminal.error(error.description)
            return 2
        }
        // Whether the check applies comes first: the API key matters only when it does.
        if check != nil {
            do {
                try TokenCountCheck.validate(configuration)
            } catch {
                Terminal.error(error.description)
                return 2
            }
        }
        var estimate: JobEstimate
        do {
            // A shared job's answers are in its database, not in this machine's cache.
            let answers = try SharedState.open(configuration)?.answers
            estimate = try JobEstimator(configuration: configuration, catalog: try ModelCatalog.builtIn(), answers: answers).estimate()
        } catch let error as InputError {
            Terminal.error(error.description)
            return 2
        } catch let error as StateError {
            Terminal.error(error.description)
            return 1
        } catch {
            Terminal.error("\(error)")
            return 1
        }
        if let check {
            do {
                estimate.check = try await checkCounts(check, rows: estimate.rows, overrides: overrides)
            } catch let error as PipelineProblems {
                Terminal.error(error.description)
                return 2
            } catch {
                Terminal.error("\(error)")
                return 1
            }
        }
        if json {
            print(EstimateReport.json(estimate))
        } else {
            print(EstimateReport.table(estimate, pipeline: pipeline, batchSize: configuration.batchSize))
        }
        return 0
    }

    /// The pipeline loaded again with the API key required (none with --mock), then the check.
    private func checkCounts(_ samples: Int, rows: Int, overrides: PipelineOverrides) async throws -> TokenCountCheckReport {
        let configuration = try PipelineLoader.load(path: pipeline, overrides: overrides, apiKey: .required)
        let transport = AsyncHTTPClientTransport(maximumConnections: 1)
        do {
            let report = try await TokenCountCheck(configuration: configuration, transport: transport).run(samples: samples, rowsInInput: rows)
            await transport.shutdown()
            return report
        } catch {
            await transport.shutdown()
            throw error
        }
    }
}

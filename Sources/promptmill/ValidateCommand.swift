import ArgumentParser
import PromptmillCore

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a pipeline, read its whole input and render every prompt; nothing is sent.")

    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    func run() throws {
        let validation = PipelineLoader.validate(path: pipeline)
        for problem in validation.problems { Terminal.error(problem.description) }
        var scan: InputScan?
        if let configuration = validation.inputCheck {
            do {
                scan = try InputScan.scan(configuration, limit: 200)
            } catch {
                Terminal.error(error.description)
                throw ExitCode(2)
            }
        }
        if let scan, scan.badRows > 0 { Terminal.error(BadRowsError(scan: scan).description) }
        guard validation.problems.isEmpty, let scan, scan.badRows == 0, let configuration = validation.inputCheck else {
            throw ExitCode(2)
        }
        let requests = (scan.rows + configuration.batchSize - 1) / configuration.batchSize
        if configuration.steps.count > 1 {
            // Later steps render from earlier answers: only the first can be rendered now.
            let steps = configuration.steps.map { "\($0.name) (\($0.configuration.endpoint.rawValue), \($0.configuration.model))" }
            print("\(pipeline): ok — \(scan.rows) rows, every first-step prompt renders; \(steps.count) steps: \(steps.joined(separator: " → "))")
        } else {
            print(
                "\(pipeline): ok — \(scan.rows) rows, every prompt renders; \(configuration.userField == nil ? "" : "at least ")\(requests) requests of up to \(configuration.batchSize) \(configuration.pack > 1 ? "packed rows" : "prompts") to \(configuration.endpoint.rawValue) with \(configuration.model)\(configuration.userField == nil ? "" : " (one end user a request; `estimate` counts them)")"
            )
        }
    }
}

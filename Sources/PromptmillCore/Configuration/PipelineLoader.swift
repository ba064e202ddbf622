import Foundation
import Yams

/// Reads a pipeline file and resolves it into a `PipelineConfiguration`, reporting every
/// problem it finds at once.
public enum PipelineLoader {
    /// What the caller needs of the API settings.
    public enum APIKeyRequirement: Sendable {
        /// `validate`: nothing is sent, so no key is needed.
        case notNeeded
        /// `run`: `OPENAI_API_KEY` must be set.
        case required
    }

    public static func load(
        path: String,
        overrides: PipelineOverrides = PipelineOverrides(),
        environment: [String: String] = ProcessInfo.processInfo.environment,
        apiKey: APIKeyRequirement = .notNeeded
    ) throws(PipelineProblems) -> PipelineConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path)
                ? "cannot be read as UTF-8 text" : "does not exist"
            throw PipelineProblems([PipelineProblem(file: path, line: nil, message: "the pipeline file \(reason) — check the path")])
        }
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else {
                throw PipelineProblems([PipelineProblem(file: path, line: nil, message: "the pipeline file is empty — see the README for a sample pipeline")])
            }
            root = composed
        } catch let error as YamlError {
            throw PipelineProblems([Self.problem(for: error, file: path)])
        } catch let problems as PipelineProblems {
            throw problems
        } catch {
            throw PipelineProblems([PipelineProblem(file: path, line: nil, message: "invalid YAML: \(error)")])
        }
        let reader = YAMLNodeReader(file: path)
        let file = PipelineFile.decode(root, reader: reader)
        var resolver = PipelineResolver(file: file, pipelinePath: path, reader: reader, overrides: overrides, environment: environment)
        let configuration = resolver.resolve(apiKey: apiKey)
        let problems = reader.problems + resolver.problems
        guard problems.isEmpty, let configuration else {
            throw PipelineProblems(problems.sorted { ($0.line ?? 0) < ($1.line ?? 0) })
        }
        return configuration
    }

    static func problem(for error: YamlError, file: String) -> PipelineProblem {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem) at column \(mark.column)"
            if let context { message += " (\(context.text) that starts on line \(context.mark.line))" }
            return PipelineProblem(file: file, line: mark.line, message: message)
        case .duplicatedKeysInMapping(let duplicates, _):
            return PipelineProblem(file: file, line: nil, message: "invalid YAML: the key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) appears more than once in one mapping")
        case .reader(let problem, _, _, _):
            return PipelineProblem(file: file, line: nil, message: "invalid YAML: \(problem)")
        default:
            return PipelineProblem(file: file, line: nil, message: "invalid YAML: \(error)")
        }
    }
}

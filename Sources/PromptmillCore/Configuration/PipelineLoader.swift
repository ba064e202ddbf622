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
            let reason =
                FileManager.default.fileExists(atPath: path)
                ? "cannot be read as UTF-8 text" : "does not exist"
            throw PipelineProblems([PipelineProblem(file: path, line: nil, message: "the pipeline file \(reason) — check the path")])
        }
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else {
                throw PipelineProblems([
                    PipelineProblem(file: path, line: nil, message: "the pipeline file is empty — see the README for a sample pipeline")
                ])
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

    /// What `validate` needs: every problem of the pipeline file, and, whenever the input's
    /// own settings and the template resolved, a configuration good enough to read the whole
    /// input and render every row, even if other keys are wrong.
    public struct Validation: Sendable {
        public var problems: [PipelineProblem]
        public var inputCheck: PipelineConfiguration?
    }

    public static func validate(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> Validation {
        do {
            let configuration = try load(path: path, environment: environment)
            return Validation(problems: [], inputCheck: configuration)
        } catch {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8), let root = try? Yams.compose(yaml: text) else {
                return Validation(problems: error.problems, inputCheck: nil)
            }
            let reader = YAMLNodeReader(file: path)
            let file = PipelineFile.decode(root, reader: reader)
            var resolver = PipelineResolver(file: file, pipelinePath: path, reader: reader, overrides: PipelineOverrides(), environment: environment)
            _ = resolver.resolve(apiKey: .notNeeded)
            guard let check = resolver.inputCheck else { return Validation(problems: error.problems, inputCheck: nil) }
            let configuration = PipelineConfiguration(
                name: file.name?.value ?? "validate", pipelinePath: path, input: check.input, endpoint: .completions,
                model: file.model?.value ?? "", encoding: .cl100k_base, template: check.template, params: JSONObject(), batchSize: 1,
                limits: PipelineConfiguration.Limits(
                    requestsPerMinute: nil, tokensPerMinute: nil, maxConcurrency: 1, maxRetries: 0, timeout: .seconds(60)),
                output: PipelineConfiguration.Output(path: "", displayPath: "", include: check.include),
                cache: PipelineConfiguration.Cache(enabled: false, path: ""), stateDirectory: "",
                api: APIConfiguration(baseURL: APIConfiguration.defaultBaseURL, apiKey: ""))
            return Validation(problems: error.problems, inputCheck: configuration)
        }
    }

    static func problem(for error: YamlError, file: String) -> PipelineProblem {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem) at column \(mark.column)"
            if let context { message += " (\(context.text) that starts on line \(context.mark.line))" }
            return PipelineProblem(file: file, line: mark.line, message: message)
        case .duplicatedKeysInMapping(let duplicates, _):
            return PipelineProblem(
                file: file, line: nil,
                message: "invalid YAML: the key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) appears more than once in one mapping")
        case .reader(let problem, _, _, _):
            return PipelineProblem(file: file, line: nil, message: "invalid YAML: \(problem)")
        default:
            return PipelineProblem(file: file, line: nil, message: "invalid YAML: \(error)")
        }
    }
}

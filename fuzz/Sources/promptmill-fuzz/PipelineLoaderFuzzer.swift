import PromptmillCore

/// Validates a fuzz input as a pipeline file, the way `promptmill validate` does (it loads the
/// file first). Every problem must name the file, and a line, where it has one, of 1 or more.
enum PipelineLoaderFuzzer {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let path = ScratchDirectory.shared.place(bytes, as: "pipelines/fuzz.yaml")
        let validation = PipelineLoader.validate(path: path, environment: [:])
        for problem in validation.problems {
            precondition(problem.file == path, "a problem names \(problem.file)")
            precondition((problem.line ?? 1) >= 1, "a problem on line \(problem.line ?? 0): \(problem.message)")
            precondition(!problem.description.isEmpty)
        }
        if let configuration = validation.inputCheck {
            _ = configuration.template.fieldPaths
        }
    }
}

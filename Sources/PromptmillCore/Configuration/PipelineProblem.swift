/// One thing wrong with a pipeline, its input or its template, said so that a user can fix it:
/// where (`file:line`) and what, with a suggestion where one helps.
public struct PipelineProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file the problem is in, as the user named it.
    public var file: String
    /// 1-based line, when the problem has one.
    public var line: Int?
    public var message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// Every problem found in one pass: `validate` prints them all, `run` refuses to start.
public struct PipelineProblems: Error, Sendable, CustomStringConvertible {
    public var problems: [PipelineProblem]

    public init(_ problems: [PipelineProblem]) {
        self.problems = problems
    }

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}

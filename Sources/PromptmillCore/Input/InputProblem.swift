/// One bad row: where it starts and what is wrong with it.
public struct InputProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input file as the pipeline names it.
    public var file: String
    /// The physical line where the row starts (1-based).
    public var line: Int
    public var reason: String

    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    public var description: String { "\(file):\(line): \(reason)" }
}

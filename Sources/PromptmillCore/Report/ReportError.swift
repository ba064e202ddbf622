/// Why `promptmill report` could not write its page.
public enum ReportError: Error, Sendable, CustomStringConvertible, Equatable {
    /// No copy of Chart.js was found; `searched`: the paths tried, in order.
    case chartLibraryMissing(searched: [String])
    /// `PROMPTMILL_CHARTJS` names a file that cannot be read.
    case chartLibraryUnreadable(path: String, reason: String)
    /// The job has no output file yet.
    case noOutput(path: String, pipeline: String)
    /// The job's last run wrote its output elsewhere (`run --output`): what to pass.
    case outputMoved(String)
    /// The job's output cannot be read as records.
    case unreadableOutput(path: String, reason: String, pipeline: String)
    /// The job's ledger (its progress or timeline) cannot be read.
    case state(StateError)
    /// The page (or its temporary file) cannot be written.
    case cannotWrite(path: String, reason: String)

    /// The exit code of `promptmill report`: 2 for what the user must install or fix in
    /// the command, 1 for what went wrong reading or writing files.
    public var exitCode: Int32 {
        switch self {
        case .chartLibraryMissing, .chartLibraryUnreadable, .noOutput, .outputMoved: 2
        case .unreadableOutput, .state, .cannotWrite: 1
        }
    }

    public static func == (lhs: ReportError, rhs: ReportError) -> Bool { lhs.description == rhs.description }

    public var description: String {
        switch self {
        case .chartLibraryMissing(let searched):
            "the report's charts need Chart.js, and none was found (looked at \(searched.joined(separator: ", "))) — install it with `apt-get install libjs-chart.js`, or set PROMPTMILL_CHARTJS=PATH to a copy of chart.min.js (Chart.js 3 or 4, UMD build)"
        case .chartLibraryUnreadable(let path, let reason):
            "cannot read Chart.js at \(path) (PROMPTMILL_CHARTJS): \(reason) — point PROMPTMILL_CHARTJS at a readable chart.min.js, or unset it to use the one `apt-get install libjs-chart.js` installs"
        case .noOutput(let path, let pipeline):
            "no output at \(path) yet — run `promptmill run \(pipeline)` first (or pass the run's --output as --job-output)"
        case .outputMoved(let message):
            message
        case .unreadableOutput(let path, let reason, let pipeline):
            "cannot read the output \(path): \(reason) — run `promptmill run \(pipeline)` to repair and continue it, then report again"
        case .state(let error):
            error.description
        case .cannotWrite(let path, let reason):
            "cannot write \(path): \(reason) — check that its folder exists and is writable, or choose another with --output"
        }
    }
}

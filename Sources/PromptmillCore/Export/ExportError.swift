/// Why `promptmill export` could not write its file.
public enum ExportError: Error, Sendable, CustomStringConvertible {
    /// The job has no output file yet. `shared`: its state is in PostgreSQL, so the output is
    /// written by `promptmill collect` (or the last worker), not by each run.
    case noOutput(path: String, pipeline: String, shared: Bool)
    /// The job's last run wrote its output elsewhere (`run --output`) than the pipeline says.
    case outputMoved(path: String, ledger: String, pipeline: String)
    /// The job's output cannot be read as records (not gzip JSONL, cut in the middle of a
    /// member, a line that is not a record with an `id`).
    case unreadableOutput(path: String, reason: String, pipeline: String)
    /// The job's input cannot be read.
    case input(InputError)
    /// The answers' structured fields, or the input's rows, name more columns than one
    /// header should hold (`limit`); `advice`: what to do instead.
    case tooManyColumns(what: String, limit: Int, advice: String)
    /// The temporary index of the output's records cannot be made or used.
    case index(path: String, reason: String)
    /// The export (or its temporary file) cannot be written.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .noOutput(let path, let pipeline, let shared):
            shared
                ? "no output at \(path) yet: the job keeps its state in PostgreSQL, and its output is written when its last worker finishes — run `promptmill collect \(pipeline)` to write it from the workers' parts now, then export again"
                : "no output at \(path) yet — run `promptmill run \(pipeline)` first (or pass the run's --output as --job-output)"
        case .outputMoved(let path, let ledger, let pipeline):
            "the job's last run wrote its output to \(ledger) (it was given --output), not \(path): pass --job-output \(ledger) to read it, or run `promptmill run \(pipeline)` to write \(path) again"
        case .unreadableOutput(let path, let reason, let pipeline):
            "cannot read the output \(path): \(reason) — run `promptmill run \(pipeline)` to repair and continue it, then export again"
        case .input(let error):
            error.description
        case .tooManyColumns(let what, let limit, let advice):
            "\(what) name more than \(limit) different columns — too many for one header; \(advice)"
        case .index(let path, let reason):
            "the temporary index \(path) failed: \(reason) — make room on the disk or point --temp-dir at a folder with room (about the output's uncompressed size)"
        case .cannotWrite(let path, let reason):
            "cannot write \(path): \(reason) — check that its folder exists and is writable"
        }
    }

    /// The contract's exit code: 2 for what the user must fix in the pipeline or its input
    /// (nothing was written), 1 for the rest.
    public var exitCode: Int32 {
        switch self {
        case .input: 2
        default: 1
        }
    }
}

import Foundation

/// Writes `OUTPUT.summary.json` atomically (a temporary file renamed over the old one).
enum SummaryFileWriter {
    static func write(
        _ statistics: RunStatistics, configuration: PipelineConfiguration, elapsed: Duration, complete: Bool,
        budgetStopped: Bool
    ) throws {
        let summary = JobSummary(statistics, configuration: configuration, elapsed: elapsed, complete: complete, budgetStopped: budgetStopped)
        let path = configuration.output.summaryPath
        let temporary = path + ".tmp"
        guard
            FileManager.default.createFile(
                atPath: temporary, contents: Data((JSONDocument.text(summary, pretty: true) + "\n").utf8),
                attributes: [.posixPermissions: 0o600])
        else {
            throw OutputError.cannotCreate(path: temporary, reason: String(cString: strerror(errno)))
        }
        if rename(temporary, path) != 0 { throw OutputError.cannotCreate(path: path, reason: String(cString: strerror(errno))) }
    }
}

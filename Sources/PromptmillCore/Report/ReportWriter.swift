import Foundation

/// `promptmill report` and `run --report`: builds the job's `JobReport` and writes its page
/// atomically (a temporary file renamed into place), by default beside the output as
/// `OUTPUT.report.html`.
public enum ReportWriter {
    /// What was written.
    public struct Written: Sendable {
        public var path: String
        public var bytes: Int
        public var report: JobReport
    }

    /// `OUTPUT.report.html` for the job's output `OUTPUT`.
    public static func defaultPath(_ configuration: PipelineConfiguration) -> String {
        configuration.output.path + ".report.html"
    }

    /// Writes the report of `configuration`'s job to `destination` (default: `defaultPath`).
    /// `chartLibrary` is located first, so a missing Chart.js stops before any reading.
    public static func write(
        _ configuration: PipelineConfiguration, to destination: String? = nil, timeline: (any TimelineStore)? = nil,
        chartLibrary: () throws(ReportError) -> ChartLibrary = { () throws(ReportError) in try ChartLibrary.locate() }
    ) throws(ReportError) -> Written {
        let library = try chartLibrary()
        let report = try JobReport(configuration: configuration, timeline: timeline)
        let path = destination ?? defaultPath(configuration)
        let page = Data(report.html(chartLibrary: library).utf8)
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: page, attributes: [.posixPermissions: 0o600]) else {
            throw .cannotWrite(path: temporary, reason: String(cString: strerror(errno)))
        }
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .cannotWrite(path: path, reason: reason)
        }
        return Written(path: path, bytes: page.count, report: report)
    }
}

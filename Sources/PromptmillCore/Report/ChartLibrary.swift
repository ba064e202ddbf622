import Foundation

/// The Chart.js the report inlines, so the page opens with no network: Debian's
/// `libjs-chart.js` (`/usr/share/javascript/chart.js/chart.min.js`), or the copy
/// `PROMPTMILL_CHARTJS` names.
public struct ChartLibrary: Sendable {
    /// The file the script was read from.
    public let path: String
    /// The script's text.
    public let script: String

    /// Where Debian and Ubuntu's `libjs-chart.js` (3.x and 4.x) put the UMD build.
    public static let systemPaths = [
        "/usr/share/javascript/chart.js/chart.min.js",
        "/usr/share/javascript/chart.js/chart.umd.js",
        "/usr/share/javascript/chart.js/Chart.min.js",
    ]

    public init(path: String, script: String) {
        self.path = path
        self.script = script
    }

    /// The copy `environment["PROMPTMILL_CHARTJS"]` names, else the first of `candidates`
    /// that exists. Throws `ReportError.chartLibraryMissing` when there is none, and
    /// `.chartLibraryUnreadable` when the named copy cannot be read.
    public static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment, candidates: [String] = systemPaths
    ) throws(ReportError) -> ChartLibrary {
        if let named = environment["PROMPTMILL_CHARTJS"], !named.isEmpty {
            do {
                return ChartLibrary(path: named, script: try String(contentsOfFile: named, encoding: .utf8))
            } catch {
                let reason = FileManager.default.fileExists(atPath: named) ? "not readable UTF-8 text" : "no such file"
                throw .chartLibraryUnreadable(path: named, reason: reason)
            }
        }
        for path in candidates {
            if let script = try? String(contentsOfFile: path, encoding: .utf8) { return ChartLibrary(path: path, script: script) }
        }
        throw .chartLibraryMissing(searched: candidates)
    }
}

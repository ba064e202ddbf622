import Foundation

/// Shows rows done, rows/s and the time left on stderr, no more often than it is useful.
public final class ProgressReporter: @unchecked Sendable {
    private let mode: ProgressMode
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var lastDraw: ContinuousClock.Instant
    private let lock = NSLock()
    private let write: @Sendable (String) -> Void

    /// `mode` must already be resolved from `.auto` (see `resolved(isTerminal:)`).
    public init(mode: ProgressMode, write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.mode = mode
        start = clock.now
        lastDraw = start
        self.write = write
    }

    public var elapsed: Duration { clock.now - start }

    /// Called as rows finish; draws when enough time has passed since the last drawing.
    public func update(_ statistics: RunStatistics, force: Bool = false) {
        lock.lock()
        defer { lock.unlock() }
        let now = clock.now
        let interval: Duration = mode == .bar ? .milliseconds(200) : .seconds(5)
        guard mode == .bar || mode == .plain, force || now - lastDraw >= interval else { return }
        lastDraw = now
        let seconds = max(0.001, Self.seconds(now - start))
        let rate = Double(statistics.done - statistics.resumedRows) / seconds
        if mode == .bar {
            write("\r\u{1B}[2K" + barLine(statistics, rate: rate))
        } else {
            write(plainLine(statistics, rate: rate, seconds: seconds) + "\n")
        }
    }

    /// A line of its own (what a resumed run continues, why it starts again), unless quiet.
    public func note(_ text: String) {
        guard mode != .quiet else { return }
        write(text + "\n")
    }

    /// A warning the user must see whatever the mode (a budget crossed): on a line of its own.
    public func warning(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        write((mode == .bar ? "\r\u{1B}[2K" : "") + text + "\n")
    }

    /// Ends the bar's line so later output starts on a fresh one.
    public func finish(_ statistics: RunStatistics) {
        update(statistics, force: true)
        if mode == .bar { write("\n") }
    }

    private func barLine(_ statistics: RunStatistics, rate: Double) -> String {
        let done = statistics.done
        guard let total = statistics.totalRows, total > 0 else {
            return "\(done) rows  \(Self.format(rate)) rows/s"
        }
        let width = 30
        let fraction = min(1, Double(done) / Double(total))
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let eta = rate > 0 ? Self.clock(Double(total - done) / rate) : "--:--"
        var line = "\(bar) \(done)/\(total) rows  \(Self.format(rate)) rows/s  ETA \(eta)"
        if statistics.cacheHits > 0 { line += "  \(statistics.cacheHits) cached" }
        if statistics.failed > 0 { line += "  \(statistics.failed) failed" }
        if statistics.retries > 0 { line += "  \(statistics.retries) retries" }
        return line
    }

    private func plainLine(_ statistics: RunStatistics, rate: Double, seconds: Double) -> String {
        let total = statistics.totalRows.map(String.init) ?? "?"
        return
            "progress rows=\(statistics.done)/\(total) failed=\(statistics.failed) cached=\(statistics.cacheHits) requests=\(statistics.requests) retries=\(statistics.retries) rate_limited=\(statistics.rateLimited) rows_per_s=\(Self.format(rate)) elapsed_s=\(Int(seconds))"
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func format(_ rate: Double) -> String {
        rate >= 100 ? String(Int(rate)) : String(format: "%.1f", rate)
    }

    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, (total % 3600) / 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%02d:%02d", minutes, secs)
    }
}

extension ProgressMode {
    /// `.auto` becomes a bar on a terminal and plain lines elsewhere.
    public func resolved(isTerminal: Bool) -> ProgressMode {
        self == .auto ? (isTerminal ? .bar : .plain) : self
    }
}

import Foundation

/// Shows a `ProgressLine` on stderr (rows done and left, rows/s, the time left, spend and
/// its projection, 429s, the budget left), no more often than it is useful.
public final class ProgressReporter: @unchecked Sendable {
    private let mode: ProgressMode
    /// The budget's cap, for the budget left; nil without one.
    private let cap: Money?
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var lastDraw: ContinuousClock.Instant
    private let lock = NSLock()
    /// This run's rows lately, for the rate and the time left.
    private var recent = RecentRate()
    private let write: @Sendable (String) -> Void

    /// `mode` must already be resolved from `.auto` (see `resolved(isTerminal:)`).
    public init(
        mode: ProgressMode, cap: Money? = nil, write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    ) {
        self.mode = mode
        self.cap = cap
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
        recent.add(rows: max(0, statistics.done - statistics.resumedRows), at: Self.seconds(now - start))
        let line = ProgressLine(statistics, elapsed: now - start, cap: cap, recent: recent.rate)
        if mode == .bar {
            write("\r\u{1B}[2K" + line.bar)
        } else {
            write(line.plain + "\n")
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

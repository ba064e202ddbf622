import Foundation
import Synchronization

/// When a row whose flex request met "resource unavailable" goes at the standard tier: only
/// when the deadline needs it (`ModePlan.switchToStandard`: after the wait, could every row
/// left still finish at flex pace?). Shared by a step's requests, it counts the rows left
/// and measures the pace: the time one row takes is the longer of what the rate limits
/// allow and what the run has seen so far (time since its first flex request over the rows
/// answered, at least one), halved for the standard tier's pace. A run where flex answers
/// nothing thus switches soon, and one where it answers well never does.
final class FlexSwitch: Sendable {
    let deadline: Date?
    /// The standard time one row needs by the rate limits (0 without them).
    let secondsPerRow: Double
    private struct State {
        var rowsLeft: Int
        var answered = 0
        var started: Date?
    }
    private let state: Mutex<State>

    init(deadline: Date?, rows: Int, secondsPerRow: Double) {
        self.deadline = deadline
        self.secondsPerRow = secondsPerRow
        state = Mutex(State(rowsLeft: rows))
    }

    /// A flex request is about to go.
    func sending(now: Date) {
        state.withLock { if $0.started == nil { $0.started = now } }
    }

    /// `rows` were answered (at either tier).
    func answered(_ rows: Int) {
        state.withLock {
            $0.rowsLeft = max(0, $0.rowsLeft - rows)
            $0.answered += rows
        }
    }

    func goStandard(now: Date, wait: Duration) -> Bool {
        let (left, answered, started) = state.withLock { ($0.rowsLeft, $0.answered, $0.started) }
        let seen = started.map { now.timeIntervalSince($0) / Double(max(answered, 1)) / ModePlan.flexSlowdown } ?? 0
        return ModePlan.switchToStandard(
            now: now, deadline: deadline, rowsLeft: left, secondsPerRow: max(secondsPerRow, seen),
            retryAfter: LiveDispatcher.seconds(wait))
    }
}

import Foundation
import Synchronization

/// When a row whose flex request met "resource unavailable" goes at the standard tier: only
/// when the deadline needs it (`ModePlan.switchToStandard`: after the wait, could every row
/// left still finish at flex pace?). Shared by a step's requests, it counts the rows left.
final class FlexSwitch: Sendable {
    let deadline: Date?
    /// The standard time one row needs: the step's rows over its request rate.
    let secondsPerRow: Double
    private let rowsLeft: Mutex<Int>

    init(deadline: Date?, rows: Int, secondsPerRow: Double) {
        self.deadline = deadline
        self.secondsPerRow = secondsPerRow
        rowsLeft = Mutex(rows)
    }

    /// `rows` were answered (at either tier).
    func answered(_ rows: Int) {
        rowsLeft.withLock { $0 = max(0, $0 - rows) }
    }

    func goStandard(now: Date, wait: Duration) -> Bool {
        let left = rowsLeft.withLock { $0 }
        return ModePlan.switchToStandard(
            now: now, deadline: deadline, rowsLeft: left, secondsPerRow: secondsPerRow, retryAfter: LiveDispatcher.seconds(wait))
    }
}

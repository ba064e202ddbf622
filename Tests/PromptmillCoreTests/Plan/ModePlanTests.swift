import Foundation
import Testing
import PromptmillCore

/// How `mode:` and `deadline:` choose the way a job's rows go, and when a row refused by
/// flex for capacity goes at standard instead. Pure decisions on a fixed clock.
@Suite struct ModePlanTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let hour = 3600.0

    func plan(
        _ mode: JobMode, tier: ServiceTier? = nil, deadlineIn seconds: Double? = nil, rows: Int = 1000, live: Double = 600,
        flex: Bool = true
    ) -> ModePlan {
        ModePlan.plan(
            mode: mode, requestedTier: tier, deadline: seconds.map { Self.now.addingTimeInterval($0) }, now: Self.now, rows: rows,
            liveSeconds: live, offersFlex: flex)
    }

    /// live: the tier params.service_tier asks for; none (or auto, scale) is standard.
    @Test func liveGoesAtTheRequestedTier() {
        #expect(
            plan(.live)
                == ModePlan(
                    mode: .standard, rowsByMode: [.standard: 1000], seconds: [.batch: 86400, .flex: 1200, .standard: 600],
                    reason: "mode: live at the standard tier"))
        #expect(plan(.live, tier: .flex).mode == .flex)
        #expect(plan(.live, tier: .flex).rowsByMode == [.flex: 1000])
        #expect(plan(.live, tier: .priority).rowsByMode == [.priority: 1000])
        #expect(plan(.live, tier: .priority).seconds[.priority] == 600)
        #expect(plan(.live, tier: .standard).mode == .standard)
        // Flex asked for where the table has no flex price: as asked, and said.
        let unlisted = plan(.live, tier: .flex, flex: false)
        #expect(unlisted.mode == .flex)
        #expect(unlisted.seconds[.flex] == 1200)
        #expect(unlisted.reason == "mode: live at params.service_tier flex, which the price table does not list for this model")
    }

    /// params.service_tier names: default is standard; auto, scale and unknown names ask
    /// for nothing in particular.
    @Test func requestedTierReadsServiceTier() {
        func tier(_ name: String) -> ServiceTier? {
            ModePlan.requestedTier(JSONObject(keys: ["service_tier"], values: [.string(name)]))
        }
        #expect(tier("flex") == .flex)
        #expect(tier("priority") == .priority)
        #expect(tier("default") == .standard)
        #expect(tier("auto") == nil)
        #expect(tier("scale") == nil)
        #expect(tier("batch") == nil)
        #expect(ModePlan.requestedTier(JSONObject()) == nil)
    }

    /// batch: every row through the Batch API, whatever the deadline.
    @Test func batchSendsEveryRowThroughTheBatchAPI() {
        let batch = plan(.batch)
        #expect(batch.mode == .batch)
        #expect(batch.rowsByMode == [.batch: 1000])
        #expect(batch.seconds == [.batch: 86400, .flex: 1200, .standard: 600])
        #expect(plan(.batch, flex: false).seconds == [.batch: 86400, .standard: 600])
    }

    /// auto without a deadline: the Batch API.
    @Test func autoWithoutADeadlineGoesBatch() {
        let auto = plan(.auto)
        #expect(auto.mode == .batch)
        #expect(auto.rowsByMode == [.batch: 1000])
        #expect(auto.reason == "mode: auto without a deadline: the Batch API, half price within 24 h")
    }

    /// auto: batch when the deadline leaves the 24 h window and the margin (the standard
    /// time, at least 15 minutes); a second less and it does not.
    @Test func autoGoesBatchWhenTheDeadlineLeavesWindowAndMargin() {
        #expect(ModePlan.batchMargin(600) == 900)
        #expect(ModePlan.batchMargin(7200) == 7200)
        let exact = plan(.auto, deadlineIn: 86400 + 900)
        #expect(exact.mode == .batch)
        #expect(exact.reason == "the deadline, 24.3 h away, leaves the Batch API's 24 h window and 15 min for stragglers")
        #expect(plan(.auto, deadlineIn: 86400 + 899).mode == .flex)
        // A slow job needs a wider margin: two hours live.
        #expect(plan(.auto, deadlineIn: 86400 + 3600, live: 7200).mode == .flex)
        #expect(plan(.auto, deadlineIn: 86400 + 7200, live: 7200).mode == .batch)
    }

    /// auto, deadline inside the window: flex when every row can finish at flex pace.
    @Test func autoGoesFlexWhenFlexFits() {
        let flex = plan(.auto, deadlineIn: 8 * Self.hour)
        #expect(
            flex
                == ModePlan(
                    mode: .flex, rowsByMode: [.flex: 1000], seconds: [.batch: 86400, .flex: 1200, .standard: 600],
                    reason:
                        "the deadline, 8 h away, is too near for the Batch API (24 h and 15 min for stragglers); flex (batch prices): can finish every row in 20 min"
                ))
        // Exactly twice the standard time fits.
        #expect(plan(.auto, deadlineIn: 1200).rowsByMode == [.flex: 1000])
    }

    /// auto, flex too slow for every row but standard fast enough: as many rows at flex as
    /// the time allows, the rest at standard.
    @Test func autoSplitsFlexAndStandardWhenFlexCannotFinishAll() {
        // 600 s at standard, 0.6 s a row; 900 s available: x × 0.6 + 600 ≤ 900 → x = 500.
        let split = plan(.auto, deadlineIn: 900)
        #expect(split.mode == .flex)
        #expect(split.rowsByMode == [.flex: 500, .standard: 500])
        #expect(split.reason.hasSuffix("flex cannot finish every row in time (20 min): 500 rows at standard"))
        // Exactly the standard time: no row can go at flex.
        let standard = plan(.auto, deadlineIn: 600)
        #expect(standard.rowsByMode == [.standard: 1000])
        #expect(standard.reason.hasSuffix("and flex cannot finish a row in time: standard"))
    }

    /// auto, the model without flex: standard.
    @Test func autoGoesStandardWithoutFlex() {
        let standard = plan(.auto, deadlineIn: 8 * Self.hour, flex: false)
        #expect(
            standard
                == ModePlan(
                    mode: .standard, rowsByMode: [.standard: 1000], seconds: [.batch: 86400, .standard: 600],
                    reason:
                        "the deadline, 8 h away, is too near for the Batch API (24 h and 15 min for stragglers), and the model has no flex price: standard"
                ))
    }

    /// auto, a deadline even standard cannot meet, or one already passed: standard, and says
    /// how long it needs.
    @Test func autoGoesStandardWhenNothingFits() {
        let late = plan(.auto, deadlineIn: 300)
        #expect(late.rowsByMode == [.standard: 1000])
        #expect(late.reason.hasSuffix("and flex cannot finish a row in time: standard: even standard needs 10 min"))
        let passed = plan(.auto, deadlineIn: -60, flex: false)
        #expect(passed.rowsByMode == [.standard: 1000])
        #expect(passed.reason == "the deadline has passed, and the model has no flex price: standard; even standard needs 10 min")
    }

    /// No rows to send (every answer cached): nothing to split, the cheapest way that fits.
    @Test func noRowsPlanTheCheapestWay() {
        #expect(plan(.auto, deadlineIn: 60, rows: 0, live: 0).rowsByMode == [.flex: 0])
        #expect(plan(.auto, rows: 0, live: 0).rowsByMode == [.batch: 0])
        // No rate limits: live needs no time the limits set, and flex fits any deadline.
        let unbounded = plan(.auto, deadlineIn: 60, live: 0)
        #expect(unbounded.rowsByMode == [.flex: 1000])
        #expect(
            unbounded.reason.hasSuffix(
                "; flex (batch prices): the rate limits add no wait (none are set, or the first minute's requests cover every row)"))
    }

    /// A flex refusal for capacity: stay at flex while every row left can still finish at
    /// flex pace after the wait; otherwise go at standard now. No deadline: always wait.
    @Test func switchToStandardOnlyWhenTheDeadlineNeedsIt() {
        func decide(deadlineIn seconds: Double?, rowsLeft: Int, retryAfter: Double) -> Bool {
            ModePlan.switchToStandard(
                now: Self.now, deadline: seconds.map { Self.now.addingTimeInterval($0) }, rowsLeft: rowsLeft, secondsPerRow: 0.5,
                retryAfter: retryAfter)
        }
        #expect(!decide(deadlineIn: nil, rowsLeft: 1_000_000, retryAfter: 60))
        // 100 rows left need 100 s at flex pace (2 × 0.5 s).
        #expect(!decide(deadlineIn: 200, rowsLeft: 100, retryAfter: 100))
        #expect(decide(deadlineIn: 200, rowsLeft: 100, retryAfter: 101))
        #expect(decide(deadlineIn: 99, rowsLeft: 100, retryAfter: 0))
        // Fewer rows left, the same time: flex again.
        #expect(!decide(deadlineIn: 99, rowsLeft: 90, retryAfter: 0))
        #expect(decide(deadlineIn: -1, rowsLeft: 1, retryAfter: 0))
    }
}

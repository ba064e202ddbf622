import Foundation

/// The way a job's rows go, decided before the first is sent: through the Batch API, or live
/// at the flex, standard or priority tier. Pure: the clock is an argument, nothing is read.
public struct ModePlan: Sendable, Equatable {
    /// The way the job goes (for a split plan, the way its first rows go).
    public var mode: ServiceTier
    /// How many of the rows to send go each way; every way the plan uses has an entry, and
    /// the entries sum to the rows.
    public var rowsByMode: [ServiceTier: Int]
    /// The time each way needs for all the rows: batch the Batch API's window, standard the
    /// least time the rate limits allow, flex that times `flexSlowdown`. A way the model does
    /// not offer has no entry.
    public var seconds: [ServiceTier: Double]
    /// Why, for people: `estimate` and `status` print it.
    public var reason: String

    public init(mode: ServiceTier, rowsByMode: [ServiceTier: Int], seconds: [ServiceTier: Double], reason: String) {
        self.mode = mode
        self.rowsByMode = rowsByMode
        self.seconds = seconds
        self.reason = reason
    }

    /// The Batch API's completion window: a batch is done (or expired) within 24 hours.
    public static let batchWindow: Double = 24 * 3600

    /// How much longer flex takes than standard for the same rows: an assumption, not a
    /// measurement. Flex answers come slower, and some requests are refused for capacity
    /// (429 "resource unavailable") and wait to be tried again
    /// (developers.openai.com/api/docs/guides/flex-processing); twice the standard time
    /// leaves room for both before the deadline.
    public static let flexSlowdown: Double = 2

    /// The time a batch plan keeps beyond the window: what sending every row live at standard
    /// takes, and at least 15 minutes. Lines a batch fails or leaves expired at its window's
    /// end go live then, and must still finish before the deadline.
    public static func batchMargin(_ liveSeconds: Double) -> Double {
        max(liveSeconds, 15 * 60)
    }

    /// The plan for a job of `rows` rows to send (those the cache does not answer).
    ///
    /// - `live`: the tier `params.service_tier` asks for (`requestedTier`): flex, priority or
    ///   standard; none, `auto` or `scale` (nil) is standard.
    /// - `batch`: the Batch API.
    /// - `auto`: the Batch API when the deadline (nil: none) leaves its window plus
    ///   `batchMargin(liveSeconds)`; else flex when the model offers it (`prices`) and every
    ///   row can finish at flex pace before the deadline; else as many rows at flex as the
    ///   time allows with the rest at standard (flex where it fits, standard only for what
    ///   flex cannot finish in time); else standard.
    ///
    /// `liveSeconds` is the least time every row needs live at standard (`estimate`'s
    /// `min_seconds`; 0 when the pipeline sets no rate limits).
    public static func plan(
        mode: JobMode, requestedTier: ServiceTier?, deadline: Date?, now: Date, rows: Int, liveSeconds: Double, prices: ModelPrices?
    ) -> ModePlan {
        plan(
            mode: mode, requestedTier: requestedTier, deadline: deadline, now: now, rows: rows, liveSeconds: liveSeconds,
            offersFlex: prices?.offers(.flex) ?? false)
    }

    /// `plan(mode:requestedTier:deadline:now:rows:liveSeconds:prices:)` with whether the job's
    /// model offers flex given directly (a job of several steps: whether any step's does).
    public static func plan(
        mode: JobMode, requestedTier: ServiceTier?, deadline: Date?, now: Date, rows: Int, liveSeconds: Double, offersFlex: Bool
    ) -> ModePlan {
        let live = max(0, liveSeconds)
        var seconds: [ServiceTier: Double] = [.batch: batchWindow, .standard: live]
        if offersFlex { seconds[.flex] = live * flexSlowdown }
        func all(_ tier: ServiceTier, _ reason: String) -> ModePlan {
            if seconds[tier] == nil { seconds[tier] = tier == .flex ? live * flexSlowdown : live }
            return ModePlan(mode: tier, rowsByMode: [tier: rows], seconds: seconds, reason: reason)
        }
        switch mode {
        case .batch:
            return all(.batch, "mode: batch sends every row through the Batch API (half price, within 24 h)")
        case .live:
            let tier = requestedTier == .batch ? .standard : requestedTier ?? .standard
            switch tier {
            case .flex where !offersFlex:
                return all(.flex, "mode: live at params.service_tier flex, which the price table does not list for this model")
            case .flex, .priority:
                return all(tier, "mode: live at params.service_tier \(tier.rawValue)")
            case .standard, .batch:
                return all(.standard, "mode: live at the standard tier")
            }
        case .auto:
            return auto(deadline: deadline, now: now, rows: rows, live: live, offersFlex: offersFlex, seconds: seconds)
        }
    }

    private static func auto(deadline: Date?, now: Date, rows: Int, live: Double, offersFlex: Bool, seconds: [ServiceTier: Double]) -> ModePlan {
        guard let deadline else {
            return ModePlan(
                mode: .batch, rowsByMode: [.batch: rows], seconds: seconds,
                reason: "mode: auto without a deadline: the Batch API, half price within 24 h")
        }
        let available = deadline.timeIntervalSince(now)
        let margin = batchMargin(live)
        if available >= batchWindow + margin {
            return ModePlan(
                mode: .batch, rowsByMode: [.batch: rows], seconds: seconds,
                reason: "the deadline, \(hours(available)) away, leaves the Batch API's 24 h window and \(hours(margin)) for stragglers")
        }
        let short =
            available > 0
            ? "the deadline, \(hours(available)) away, is too near for the Batch API (24 h and \(hours(margin)) for stragglers)"
            : "the deadline has passed"
        guard offersFlex else {
            let late = live > available ? "; even standard needs \(hours(live))" : ""
            return ModePlan(
                mode: .standard, rowsByMode: [.standard: rows], seconds: seconds,
                reason: "\(short), and the model has no flex price: standard\(late)")
        }
        let flexRows = flexRowsFitting(available: available, rows: rows, live: live)
        if flexRows == rows {
            let time =
                live > 0
                ? "can finish every row in \(hours(live * flexSlowdown))"
                : "the rate limits add no wait (none are set, or the first minute's requests cover every row)"
            return ModePlan(mode: .flex, rowsByMode: [.flex: rows], seconds: seconds, reason: "\(short); flex (batch prices): \(time)")
        }
        if flexRows > 0 {
            return ModePlan(
                mode: .flex, rowsByMode: [.flex: flexRows, .standard: rows - flexRows], seconds: seconds,
                reason: "\(short); flex cannot finish every row in time (\(hours(live * flexSlowdown))): \(rows - flexRows) rows at standard")
        }
        let late = live > available ? ": even standard needs \(hours(live))" : ""
        return ModePlan(
            mode: .standard, rowsByMode: [.standard: rows], seconds: seconds,
            reason: "\(short), and flex cannot finish a row in time: standard\(late)")
    }

    /// How many of `rows` can go at flex pace, the rest at standard, and all finish within
    /// `available` seconds: x rows at `flexSlowdown` times a row's standard time and the
    /// others at one make x × (f − 1) × perRow + live ≤ available.
    static func flexRowsFitting(available: Double, rows: Int, live: Double) -> Int {
        if live * flexSlowdown <= available { return rows }
        guard rows > 0, live <= available else { return 0 }
        let perRow = live / Double(rows)
        return min(rows, Int(((available - live) / (perRow * (flexSlowdown - 1))).rounded(.down)))
    }

    /// The tier `params.service_tier` asks for: flex, priority or standard (`default`); nil
    /// for none, `auto`, `scale` or a name promptmill does not know.
    public static func requestedTier(_ params: JSONObject) -> ServiceTier? {
        guard case .string(let name)? = params["service_tier"], let tier = ServiceTier(rawValue: name), tier != .batch else { return nil }
        return tier
    }

    /// A row whose flex request met flex's capacity 429 ("resource unavailable"): whether it
    /// goes at the standard tier now instead of waiting `retryAfter` seconds to try flex
    /// again.
    ///
    /// The rule: flex keeps the row while, after the wait, every row left (this one among
    /// them) could still finish at flex pace (`flexSlowdown` × `secondsPerRow`, the standard
    /// time a row needs) before the deadline; otherwise the row goes at standard. Without a
    /// deadline flex always waits. Called again at each refusal, it sends at standard only as
    /// many rows as the deadline needs, the way `plan` splits rows.
    public static func switchToStandard(now: Date, deadline: Date?, rowsLeft: Int, secondsPerRow: Double, retryAfter: Double) -> Bool {
        guard let deadline else { return false }
        let left = deadline.timeIntervalSince(now) - max(0, retryAfter)
        return left < Double(max(rowsLeft, 1)) * max(0, secondsPerRow) * flexSlowdown
    }

    /// `3.5 h`, `45 min`, `30 s`: a span for a reason.
    static func hours(_ seconds: Double) -> String {
        if seconds >= 3600 { return "\((seconds / 360).rounded() / 10) h".replacingOccurrences(of: ".0 h", with: " h") }
        if seconds >= 60 { return "\(Int((seconds / 60).rounded())) min" }
        return "\(Int(max(0, seconds).rounded())) s"
    }
}

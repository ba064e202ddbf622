/// Reserves each request's worst case under the job's cap before it is sent (every prompt
/// token at the input price, every completion at its limit). When the whole request does not
/// fit, `SpendGuard.reserve` first waits for the requests in flight to settle (they usually
/// leave room); then the rows that fit go, and the rest wait their turn.
struct BudgetGate: Sendable {
    let spend: SpendGuard

    enum Admission {
        /// Send this (the request, or its first rows); `rest` waits.
        case send(PlannedRequest, rest: [PreparedRow])
        /// Not even one row fits: the job stops at the budget.
        case full
        /// Not now: requests still waiting (batch lines not yet sealed) hold reservations
        /// that may leave room once they settle. Only when the caller asked not to wait.
        case later
    }

    /// `waits`: whether to wait for open reservations to settle before giving up. A batch
    /// step must not: its open reservations are lines that settle only once their batch is
    /// sealed, which waits on the flow; it gets `.later` and seals first.
    func admit(
        _ request: PlannedRequest, prices: ModelPrices?, completionBudget: Int, tier: ServiceTier = .standard, waits: Bool = true
    ) async -> Admission {
        func worstCase(_ rows: ArraySlice<PreparedRow>) -> Money { rows.worstCase(prices: prices, completionBudget: completionBudget, tier: tier) }
        if !waits {
            let whole = worstCase(request.rows[...])
            if await spend.reserveNow(whole) { return .send(request, rest: []) }
            if await spend.hasOpenReservations { return .later }
        }
        if await spend.reserve(worstCase(request.rows[...])) { return .send(request, rest: []) }
        let available = await spend.available ?? .zero
        // The longest first part whose worst case fits, growing one row at a time.
        var fitting = 0
        var promptTokens = 0
        while fitting < request.rows.count, let prices {
            promptTokens += request.rows[fitting].promptTokens
            guard prices.worstCase(promptTokens: promptTokens, completionTokens: (fitting + 1) * completionBudget, tier: tier) <= available else {
                break
            }
            fitting += 1
        }
        guard fitting > 0, await spend.reserve(worstCase(request.rows.prefix(fitting))) else { return .full }
        let sending = Array(request.rows.prefix(fitting))
        let tokenCost = sending.tokenCost(completionBudget: completionBudget)
        return .send(PlannedRequest(step: request.step, rows: sending, tokenCost: tokenCost), rest: Array(request.rows.dropFirst(fitting)))
    }
}

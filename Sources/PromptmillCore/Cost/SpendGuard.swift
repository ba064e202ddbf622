import Foundation

/// Keeps a job's spend under its cap however many requests are in flight.
///
/// Before a request is sent, its worst case (every prompt token at the input price, every
/// completion at its limit) is reserved against what the cap leaves; the answer settles the
/// reservation at the request's real cost. An error answer costs nothing and releases it; a
/// request whose fate is unknown (timeout, dropped connection) may have been billed, so its
/// reservation is kept as spent. Spend therefore never passes the cap unless the API bills
/// more than the worst case it was sent with.
public actor SpendGuard {
    /// No cap: reservations always fit (the guard still counts spend for the warning).
    public nonisolated let cap: Money?
    public nonisolated let warnAt: Money?
    private var spent: Money
    private var held = Money.zero
    private var reserved = Money.zero
    private var warned: Bool
    /// Reservations waiting for open ones to settle.
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private let warn: @Sendable (String) -> Void
    /// Called with (open reservations, spend of unknown fate) before each request under a
    /// cap is sent, and by `flush`: where the job's store keeps them, so a kill cannot lose
    /// them. Settling, releasing and holding are not written as they happen: until the next
    /// write the store counts more open than there is, never less.
    private let record: (@Sendable (Money, Money) -> Void)?
    /// A shared job's spend (`state: postgres://...`): every reservation is checked against
    /// what all its workers spent and hold open; the local figures are this worker's view.
    private let shared: (any SharedSpend)?
    /// Where a shared reservation waits for room another worker may leave.
    private let clock: any Clock<Duration>
    /// How often a shared reservation that does not fit looks again while others are open.
    private let sharedPoll: Duration
    /// The shared spend's database could not be reached and the user was told.
    private var outageWarned = false

    /// `spent`: what the job spent before this run (records, unrecorded paid answers and
    /// requests of unknown fate). `warn` is called once when spend crosses `warnAt`.
    ///
    /// `shared`: the job's spend lives there (several workers share the cap); `spent` is then
    /// what it held when this worker started, and waits for room use `clock`.
    public init(
        cap: Money?, warnAt: Money?, spent: Money, record: (@Sendable (Money, Money) -> Void)? = nil, shared: (any SharedSpend)? = nil,
        clock: any Clock<Duration> = ContinuousClock(), sharedPoll: Duration = .milliseconds(250),
        warn: @escaping @Sendable (String) -> Void
    ) {
        self.record = record
        self.shared = shared
        self.clock = clock
        self.sharedPoll = sharedPoll
        self.cap = cap
        self.warnAt = warnAt
        self.spent = spent
        self.warn = warn
        warned = false
        if let warnAt, spent >= warnAt {
            warned = true
            warn("warning: the job has already spent \(spent), past budget.warn_usd (\(warnAt))")
        }
    }

    /// What the job has spent, or may have been billed, so far.
    public var spentSoFar: Money { spent }
    /// What the whole job has spent or may have been billed: for a shared job every
    /// worker's, from the store (one round trip; `spentSoFar` when the store cannot
    /// answer), else `spentSoFar`. What a budget stop and a summary report.
    public func jobSpent() async -> Money {
        guard let shared, let total = try? await shared.spent() else { return spent }
        return total
    }
    /// Of `spentSoFar`, what requests of unknown fate reserved.
    public var heldSoFar: Money { held }
    /// What the cap leaves beyond spend and open reservations; nil without a cap.
    public var available: Money? { cap.map { $0 - spent - reserved } }

    /// Reserves `amount` when it fits under the cap. While it does not fit but other
    /// reservations are open, waits for them to settle, since they may leave room; returns
    /// false once nothing is open and it still does not fit.
    public func reserve(_ amount: Money) async -> Bool {
        while true {
            // A shared job keeps every worker's spend even without a cap: a later run may set one.
            guard let cap = cap ?? (shared == nil ? nil : Self.noCap) else {
                reserved += amount
                return true
            }
            if let shared {
                switch await retrying({ () throws(StateError) in try await shared.reserve(amount, cap: cap) }) {
                case .reserved:
                    reserved += amount
                    return true
                case .full(let othersOpen):
                    // Room may come back when this worker's or another's open requests settle.
                    guard othersOpen || reserved != .zero else { return false }
                    try? await clock.sleep(for: sharedPoll)
                    continue
                }
            }
            if spent + reserved + amount <= cap {
                reserved += amount
                // Written down before the request is sent.
                record?(reserved, held)
                return true
            }
            if reserved == .zero { return false }
            await withCheckedContinuation { waiters.append($0) }
        }
    }

    /// The cap a shared job's spend is kept against when it has none.
    static let noCap = Money(picodollars: Int64.max / 4)

    /// Reserves `amount` if it fits under the cap now; never waits. (Batch steps only, which
    /// a shared job does not run.)
    public func reserveNow(_ amount: Money) -> Bool {
        precondition(shared == nil, "batch steps do not run with shared state")
        guard let cap else {
            reserved += amount
            return true
        }
        guard spent + reserved + amount <= cap else { return false }
        reserved += amount
        record?(reserved, held)
        return true
    }

    /// Some reservation is open: a request in flight may yet leave room.
    public var hasOpenReservations: Bool { reserved != .zero }

    /// Writes what is open and held now (at the end of a run: nothing open).
    public func flush() {
        record?(reserved, held)
    }

    /// The answer arrived: the reservation becomes the request's real cost.
    public func settle(reserved amount: Money, cost: Money) async {
        if let shared { await retrying { () throws(StateError) in try await shared.settle(reserved: amount, cost: cost) } }
        reserved -= amount
        spent += cost
        changed()
    }

    /// The request failed with an answer that is not billed: the reservation is given back.
    public func release(_ amount: Money) async {
        if let shared { await retrying { () throws(StateError) in try await shared.release(amount) } }
        reserved -= amount
        changed()
    }

    /// The request's fate is unknown: it may have been billed, so the reservation is spent.
    public func hold(_ amount: Money) async {
        if let shared { await retrying { () throws(StateError) in try await shared.hold(amount) } }
        reserved -= amount
        spent += amount
        held += amount
        changed()
    }

    /// A shared spend's operation, tried again while the database cannot be reached: money
    /// in flight is never forgotten because of a dropped connection.
    /// One warning an outage, however many requests are waiting on it, and one note when
    /// the database answers again.
    private func retrying<T>(_ operation: () async throws(StateError) -> T) async -> T {
        var wait = Duration.milliseconds(100)
        while true {
            do {
                let result = try await operation()
                if outageWarned {
                    outageWarned = false
                    warn("the job's shared spend is reachable again")
                }
                return result
            } catch {
                if !outageWarned {
                    outageWarned = true
                    warn("warning: the job's shared spend could not be updated (\(error)); trying again until the database answers")
                }
                try? await clock.sleep(for: wait)
                wait = min(wait * 2, .seconds(10))
            }
        }
    }

    /// Wakes every waiting reservation to look again, and warns once past `warnAt`.
    private func changed() {
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
        if !warned, let warnAt, spent >= warnAt {
            warned = true
            warn("warning: the job has spent \(spent), past budget.warn_usd (\(warnAt))" + (cap.map { "; the cap is \($0)" } ?? ""))
        }
    }
}

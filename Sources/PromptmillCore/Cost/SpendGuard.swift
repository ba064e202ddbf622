import Foundation

/// Keeps a job's spend under its cap however many requests are in flight.
///
/// Before a request is sent, its worst case (every prompt token at the input price, every
/// completion at its limit) is reserved against what the cap leaves; the answer settles the
/// reservation at the request's real cost. An error answer costs nothing and releases it; a
/// request whose fate is unknown (timeout, dropped connection) may have been billed, so its
/// reservation is kept as spent. Spend therefore never passes the cap unless the API bills
/// more than the worst case it was sent with.
public final class SpendGuard: @unchecked Sendable {
    /// No cap: reservations always fit (the guard still counts spend for the warning).
    public let cap: Money?
    public let warnAt: Money?
    private let lock = NSLock()
    private var spent: Money
    private var held = Money.zero
    private var reserved = Money.zero
    private var warned: Bool
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private let warn: @Sendable (String) -> Void
    /// Called under the guard's lock with (open reservations, spend of unknown fate) before
    /// each request under a cap is sent, and by `flush`: where the job's ledger keeps them,
    /// so a kill cannot lose them. Settling, releasing and holding are not written as they
    /// happen: until the next write the ledger counts more open than there is, never less.
    private let record: (@Sendable (Money, Money) -> Void)?

    /// `spent`: what the job spent before this run (records, unrecorded paid answers and
    /// requests of unknown fate). `warn` is called once when spend crosses `warnAt`.
    public init(cap: Money?, warnAt: Money?, spent: Money, record: (@Sendable (Money, Money) -> Void)? = nil,
                warn: @escaping @Sendable (String) -> Void) {
        self.record = record
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
    public var spentSoFar: Money { lock.withLock { spent } }
    /// Of `spentSoFar`, what requests of unknown fate reserved.
    public var heldSoFar: Money { lock.withLock { held } }
    /// What the cap leaves beyond spend and open reservations; nil without a cap.
    public var available: Money? { lock.withLock { cap.map { $0 - spent - reserved } } }

    /// Reserves `amount` when it fits under the cap. While it does not fit but other
    /// reservations are open, waits for them to settle, since they may leave room; returns
    /// false once nothing is open and it still does not fit.
    public func reserve(_ amount: Money) async -> Bool {
        while true {
            enum Verdict { case reserved, refused, wait }
            let verdict: Verdict = lock.withLock {
                guard let cap else {
                    reserved += amount
                    return .reserved
                }
                if spent + reserved + amount <= cap {
                    reserved += amount
                    // Written down before the request is sent.
                    record?(reserved, held)
                    return .reserved
                }
                return reserved == .zero ? .refused : .wait
            }
            switch verdict {
            case .reserved: return true
            case .refused: return false
            case .wait:
                await withCheckedContinuation { continuation in
                    let resumeNow: Bool = lock.withLock {
                        // Settled while this task was getting ready to wait: look again at once.
                        if spent + reserved + amount <= cap! || reserved == .zero { return true }
                        waiters.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    /// Writes what is open and held now (at the end of a run: nothing open).
    public func flush() {
        lock.withLock { record?(reserved, held) }
    }

    /// The answer arrived: the reservation becomes the request's real cost.
    public func settle(reserved amount: Money, cost: Money) {
        change { reserved -= amount; spent += cost }
    }

    /// The request failed with an answer that is not billed: the reservation is given back.
    public func release(_ amount: Money) {
        change { reserved -= amount }
    }

    /// The request's fate is unknown: it may have been billed, so the reservation is spent.
    public func hold(_ amount: Money) {
        change {
            reserved -= amount
            spent += amount
            held += amount
        }
    }

    private func change(_ body: () -> Void) {
        let (waiting, crossed): ([CheckedContinuation<Void, Never>], Money?) = lock.withLock {
            body()
            var crossed: Money?
            if !warned, let warnAt, spent >= warnAt {
                warned = true
                crossed = spent
            }
            defer { waiters.removeAll() }
            return (waiters, crossed)
        }
        for waiter in waiting { waiter.resume() }
        if let crossed, let warnAt {
            warn("warning: the job has spent \(crossed), past budget.warn_usd (\(warnAt))" + (cap.map { "; the cap is \($0)" } ?? ""))
        }
    }
}

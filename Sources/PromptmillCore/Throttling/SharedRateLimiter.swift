/// Paces one worker's sends under rate limits it shares with other workers (processes,
/// machines) through a `RateBucketStore`: the buckets, the learned limits and a 429's pause
/// live in the store, and this actor only asks it and sleeps the waits it answers.
///
/// Every request makes one round trip to reserve (one request and its token cost) before it
/// is sent; an answer that states limits makes one more (`observe`); usage above the
/// reservation a third (`settle`, rare: reservations take the most a request may use).
/// There is no local lease of capacity: a lease would let a worker send what it holds while
/// another worker's answer lowered the shared room or a 429 paused the account, so the
/// workers together could exceed the limits by the leases; at the rates an account allows
/// (10,000 requests a minute is 167 round trips a second) one statement per request costs
/// the database little and each worker nothing but the round trip, which only delays its
/// own send. The waits are on the store's clock; this limiter sleeps them on its own
/// (`C`), and since a wait starts after the answer arrives, every send is a little late,
/// never early.
///
/// Semantics match `RateLimiter`'s: the debt model (a reservation always succeeds and says
/// how long to wait, so waiters are served in the order they reached the store), usage
/// above a reservation is taken and nothing is refunded, an unanswered request's
/// reservation is released, a pause holds every send, and headers learn or lower limits
/// with the ticket-time correction (`ThrottleTicket.sentAt` is on the store's clock).
///
/// The store's schedule is when requests may leave; the server counts them when they
/// arrive. Workers on other machines, or starting connections, or waiting for a busy core,
/// take different times to reach the server, so requests sent exactly at the limit can
/// arrive bunched closer than the schedule and draw a 429. At the limit, each send
/// therefore waits until the buckets have refilled `arrivalAllowance` worth beyond its
/// reservation: arrivals may then scatter that much without exceeding the limit, at the
/// cost of starting the steady pace that much later (once per job, not per request).
///
/// When the store fails, nothing is lost that would let the workers exceed the limits: a
/// reservation that cannot be made throws the `StateError` from `acquire`; extra usage that
/// cannot be settled is added to this worker's next reservation; a pause that cannot be
/// shared still holds this worker; headers that cannot be written are dropped (the next
/// answer brings them again), and so is a release (the room comes back by refill).
public actor SharedRateLimiter<C: Clock>: SendThrottle where C.Duration == Duration {
    private let store: any RateBucketStore
    private let clock: C
    /// The buckets as the store last returned them, and when on this limiter's clock: the
    /// snapshot and the limits are read from it without a round trip.
    private var last: (state: RateBucketState, receivedAt: C.Instant)?
    /// Tokens an answer used above its reservation that the store could not take yet.
    private var owedTokens = 0
    /// A pause the store could not share: it still holds this worker.
    private var localPauseUntil: C.Instant?
    /// How far apart from their schedule sends at the limit may reach the server.
    public let arrivalAllowance: Duration

    /// The allowance workers keep by default: scheduling and connection delays on a busy
    /// machine reach a few hundred milliseconds (`bench/workers.sh` drew a 429 at the end of
    /// the first full bucket without it), and half a second costs a job half a second.
    public static var defaultArrivalAllowance: Duration { .milliseconds(500) }

    /// `store` is bound to the model's key and the configured limits; `clock` is what the
    /// waits are slept on (`ContinuousClock` in production, `TestClock` in tests);
    /// `arrivalAllowance`: see the type's notes (zero keeps the store's schedule exactly).
    public init(store: some RateBucketStore, clock: C, arrivalAllowance: Duration = defaultArrivalAllowance) {
        self.store = store
        self.clock = clock
        self.arrivalAllowance = arrivalAllowance
    }

    /// Reserves one request and `tokenCost` tokens in the store and waits for the
    /// reservation's turn. Throws the store's `StateError` when it cannot be reached, or
    /// `CancellationError` when the wait is cancelled (the reservation stays taken, as
    /// `RateLimiter`'s does).
    @discardableResult
    public func acquire(tokenCost: Int) async throws -> ThrottleTicket {
        let owed = owedTokens
        owedTokens = 0
        let reservation: RateReservation
        do {
            reservation = try await store.reserve(tokens: tokenCost + owed)
        } catch {
            owedTokens += owed
            throw error
        }
        remember(reservation.state)
        var wait = max(reservation.wait, reservation.state.wait(keeping: arrivalAllowance))
        if let localPauseUntil { wait = max(wait, clock.now.duration(to: localPauseUntil)) }
        if wait > .zero { try await clock.sleep(for: wait) }
        return ThrottleTicket(sentAt: reservation.state.at + wait)
    }

    /// Takes the usage above the reservation; a shorter answer gives nothing back.
    public func settle(reservedTokens: Int, usedTokens: Int) async {
        guard usedTokens > reservedTokens else { return }
        let extra = usedTokens - reservedTokens
        do {
            remember(try await store.settle(extraTokens: extra))
        } catch {
            owedTokens += extra
        }
    }

    /// A request that was never answered gives its reservation back.
    public func release(tokenCost: Int) async {
        if let state = try? await store.release(tokens: tokenCost) { remember(state) }
    }

    /// Holds every send of every worker for `duration` from now (after a 429).
    public func pause(for duration: Duration) async {
        do {
            remember(try await store.pause(for: duration))
        } catch {
            let until = clock.now.advanced(by: duration)
            localPauseUntil = max(localPauseUntil ?? until, until)
        }
    }

    /// An answer's `x-ratelimit-*` headers, with the ticket of its request; headers that
    /// state no limit say nothing and cost no round trip.
    public func observe(_ headers: RateLimitHeaders, ticket: ThrottleTicket?) async {
        guard headers.limitRequests != nil || headers.limitTokens != nil else { return }
        if let state = try? await store.learn(headers, sentAt: ticket?.sentAt) { remember(state) }
    }

    /// The tokens-per-minute capacity, configured or learned, if any.
    public var tokensPerMinute: Int? {
        get async { await current?.tokens.capacity }
    }

    /// The limits and the room left in them now: the store's last answer refilled by the
    /// time since on this limiter's clock (the other workers' reservations since then are
    /// not seen: the room may be less, never the limits). Before the first answer it asks
    /// the store; a store that cannot answer reports no limits.
    public var snapshot: ThrottleSnapshot {
        get async { await current?.throttleSnapshot ?? ThrottleSnapshot() }
    }

    private var current: RateBucketState? {
        get async {
            if let last { return last.state.refilled(to: last.state.at + last.receivedAt.duration(to: clock.now)) }
            guard let state = try? await store.snapshot() else { return nil }
            remember(state)
            return state
        }
    }

    private func remember(_ state: RateBucketState) {
        // Answers may arrive out of order: keep the latest on the store's clock.
        if let last, last.state.at > state.at { return }
        last = (state, clock.now)
    }
}

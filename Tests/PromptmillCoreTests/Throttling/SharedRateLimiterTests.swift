import PromptmillCore
import PromptmillTesting
import Testing

/// Several workers' limiters over one store, on a test clock: no sleeping, no tolerance
/// bands beyond the nanosecond a wait is rounded up to.
@Suite struct SharedRateLimiterTests {
    /// Three workers over one store send on the schedule one worker alone would keep:
    /// a full bucket at once, then one request per refill.
    @Test func threeWorkersKeepOneWorkersSchedule() async throws {
        let clock = TestClock()
        let store = MemoryRateBuckets(requestsPerMinute: 60, tokensPerMinute: 6000, clock: clock)
        let workers = (0..<3).map { _ in SharedRateLimiter(store: store, clock: clock, arrivalAllowance: .zero) }
        let aloneClock = TestClock()
        let alone = RateLimiter(requestsPerMinute: 60, tokensPerMinute: 6000, clock: aloneClock)
        for index in 0..<150 {
            let shared = try await workers[index % 3].acquire(tokenCost: 50)
            let single = try await alone.acquire(tokenCost: 50)
            #expect(shared == single, "request \(index)")
        }
        #expect(clock.now == aloneClock.now)
        #expect(clock.now.offset == .seconds(90))
    }

    /// Workers asking at the same time never get more sends in any stretch of time than
    /// the bucket allows (its capacity plus its refill).
    @Test func concurrentWorkersNeverExceedTheBucket() async throws {
        let clock = TestClock()
        let store = MemoryRateBuckets(requestsPerMinute: 60, tokensPerMinute: nil, clock: clock)
        let workers = (0..<3).map { _ in SharedRateLimiter(store: store, clock: clock, arrivalAllowance: .zero) }
        let sends = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for worker in workers {
                group.addTask {
                    var sends: [Duration] = []
                    for _ in 0..<40 { sends.append(try await worker.acquire(tokenCost: 1).sentAt) }
                    return sends
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }.sorted()
        }
        #expect(sends.count == 120)
        for first in sends.indices {
            for last in sends.indices where last > first {
                let allowed = 60 + seconds(sends[last] - sends[first]) * 1 + 1e-6
                #expect(Double(last - first + 1) <= allowed)
            }
        }
        // A full bucket's worth goes at once. (How soon the rest go depends on when the
        // test clock's sleeps end, which the tasks' interleaving decides: the schedule of
        // many workers is checked in `threeWorkersKeepOneWorkersSchedule`.)
        #expect(sends.prefix(60).allSatisfy { $0 == .zero })
        #expect(sends[60] > .zero)
    }

    /// At the limit, workers send an arrival allowance later than the bucket's schedule, so
    /// arrivals scattered that much by the way to the server still fit the server's bucket:
    /// a full bucket less the allowance's refill goes at once, and every later send waits
    /// the allowance beyond its turn.
    @Test func sendsAtTheLimitKeepTheArrivalAllowance() async throws {
        let clock = TestClock()
        let store = MemoryRateBuckets(requestsPerMinute: 600, tokensPerMinute: nil, clock: clock)
        let workers = (0..<3).map { _ in SharedRateLimiter(store: store, clock: clock, arrivalAllowance: .milliseconds(500)) }
        var sends: [Duration] = []
        for index in 0..<620 { sends.append(try await workers[index % 3].acquire(tokenCost: 1).sentAt) }
        // 600 a minute refill 10 a second: half a second's worth, 5, is kept back.
        #expect(sends.prefix(595).allSatisfy { $0 == .zero })
        #expect(sends[595] > .zero)
        // Request k (0-based) past the first 600 is due at (k - 599) / 10 s without the
        // allowance, and goes half a second later.
        #expect(sends[600] == .milliseconds(600))
        #expect(sends[619] == .milliseconds(2_500))
        // However arrivals scatter by up to the allowance, no stretch of time sees more
        // than the server's bucket allows: sends `window` apart arrive at least
        // `window - 0.5 s` apart.
        var excess: [String] = []
        for first in sends.indices {
            for last in sends.indices where last > first {
                let arrivalWindow = max(0, seconds(sends[last] - sends[first]) - 0.5)
                if Double(last - first + 1) > 600 + arrivalWindow * 10 + 1e-6 { excess.append("\(first)...\(last)") }
            }
        }
        #expect(excess.isEmpty)
    }

    /// A limit one worker learns from an answer holds every worker: the server's lower
    /// limit and its room replace the configured ones in the shared bucket.
    @Test func learnedLimitHoldsEveryWorker() async throws {
        let clock = TestClock()
        let store = MemoryRateBuckets(requestsPerMinute: 600, tokensPerMinute: 60_000, clock: clock)
        let first = SharedRateLimiter(store: store, clock: clock, arrivalAllowance: .zero)
        let second = SharedRateLimiter(store: store, clock: clock, arrivalAllowance: .zero)
        let ticket = try await first.acquire(tokenCost: 100)
        await first.observe(
            RateLimitHeaders(limitRequests: 60, limitTokens: 6000, remainingRequests: 0, remainingTokens: 5900), ticket: ticket)
        #expect(try await second.acquire(tokenCost: 100).sentAt == .seconds(1))
        #expect(await second.tokensPerMinute == 6000)
        #expect(await second.snapshot.requestsPerMinute == 60)
    }

    /// With no limits configured, the first answer's headers set them for every worker,
    /// with everything reserved before taken, as `RateLimiter` does.
    @Test func firstHeadersSetLimitsForEveryWorker() async throws {
        let clock = TestClock()
        let store = MemoryRateBuckets(requestsPerMinute: nil, tokensPerMinute: nil, clock: clock)
        let first = SharedRateLimiter(store: store, clock: clock, arrivalAllowance: .zero)
        let second = SharedRateLimiter(store: store, clock: clock, arrivalAllowance: .zero)
        #expect(try await first.acquire(tokenCost: 100).sentAt == .zero)
        #expect(try await second.acquire(tokenCost: 100).sentAt == .zero)
        await first.observe(RateLimitHeaders(limitRequests: 60, limitTokens: 6000), ticket: nil)
        // 6000 less the 200 reserved: 100 more go at once, the next waits a second.
        #expect(try await second.acquire(tokenCost: 5800).sentAt == .zero)
        #expect(try await first.acquire(tokenCost: 100).sentAt == .seconds(1))
    }

    /// Reservations made while no limit was known fade with a one-minute time constant: a
    /// shared row outlives runs, and an old run's requests must not count forever.
    @Test func blindReservationsFadeInAMinute() {
        var state = RateBucketState(requestsPerMinute: nil, tokensPerMinute: nil, at: .zero)
        for _ in 0..<100 { state.reserve(tokens: 0, now: .zero) }
        state.learn(RateLimitHeaders(limitRequests: 600), sentAt: nil, now: .seconds(60))
        let level = state.requests.level ?? 0
        #expect(abs(level - (600 - 100 / 2.718281828459045)) < 1e-9)
    }

    /// A 429's pause set by one worker holds every worker's next send.
    @Test func pauseHoldsEveryWorker() async throws {
        let clock = TestClock()
        let store = MemoryRateBuckets(requestsPerMinute: 1000, tokensPerMinute: nil, clock: clock)
        let first = SharedRateLimiter(store: store, clock: clock, arrivalAllowance: .zero)
        let second = SharedRateLimiter(store: store, clock: clock, arrivalAllowance: .zero)
        await first.pause(for: .seconds(30))
        #expect(try await second.acquire(tokenCost: 1).sentAt == .seconds(30))
        #expect(clock.sleeps == [.seconds(30)])
        #expect(try await first.acquire(tokenCost: 1).sentAt == .seconds(30))
    }

    /// Settling takes only usage above the reservation, and only that costs a round trip;
    /// what one worker takes, the others wait for.
    @Test func settlementTakesOveruseForEveryWorker() async throws {
        let clock = TestClock()
        let store = MemoryRateBuckets(requestsPerMinute: nil, tokensPerMinute: 6000, clock: clock)
        let first = SharedRateLimiter(store: store, clock: clock, arrivalAllowance: .zero)
        let second = SharedRateLimiter(store: store, clock: clock, arrivalAllowance: .zero)
        #expect(try await first.acquire(tokenCost: 5900).sentAt == .zero)
        let trips = store.operations
        await first.settle(reservedTokens: 5900, usedTokens: 10)
        #expect(store.operations == trips)
        #expect(try await second.acquire(tokenCost: 100).sentAt == .zero)
        await second.settle(reservedTokens: 100, usedTokens: 200)
        #expect(try await first.acquire(tokenCost: 100).sentAt == .seconds(2))
    }

    /// A request never answered gives its reservation back to every worker.
    @Test func releaseGivesTheRoomBack() async throws {
        let clock = TestClock()
        let store = MemoryRateBuckets(requestsPerMinute: 1, tokensPerMinute: 6000, clock: clock)
        let first = SharedRateLimiter(store: store, clock: clock, arrivalAllowance: .zero)
        let second = SharedRateLimiter(store: store, clock: clock, arrivalAllowance: .zero)
        #expect(try await first.acquire(tokenCost: 6000).sentAt == .zero)
        await first.release(tokenCost: 6000)
        #expect(try await second.acquire(tokenCost: 6000).sentAt == .zero)
    }

    /// One worker alone over a store decides exactly as `RateLimiter`: waits, tickets,
    /// settlement, pauses, learned lower limits with the ticket-time correction, snapshots.
    @Test func oneWorkerMatchesRateLimiter() async throws {
        let sharedClock = TestClock()
        let shared = SharedRateLimiter(
            store: MemoryRateBuckets(requestsPerMinute: 120, tokensPerMinute: 12_000, clock: sharedClock), clock: sharedClock,
            arrivalAllowance: .zero)
        let localClock = TestClock()
        let local = RateLimiter(requestsPerMinute: 120, tokensPerMinute: 12_000, clock: localClock)
        func both(_ step: String, _ act: (any SendThrottle, TestClock) async throws -> ThrottleTicket?) async throws {
            let ours = try await act(shared, sharedClock)
            let theirs = try await act(local, localClock)
            #expect(ours == theirs, "\(step): tickets")
            #expect(await shared.snapshot == local.snapshot, "\(step): snapshots")
            #expect(sharedClock.now == localClock.now, "\(step): clocks")
        }
        for index in 0..<5 {
            try await both("acquire \(index)") { throttle, _ in try await throttle.acquire(tokenCost: 3000) }
        }
        try await both("settle") { throttle, _ in
            await throttle.settle(reservedTokens: 3000, usedTokens: 3500)
            return nil
        }
        try await both("acquire after settle") { throttle, _ in try await throttle.acquire(tokenCost: 100) }
        let ticket = try await shared.acquire(tokenCost: 100)
        #expect(try await local.acquire(tokenCost: 100) == ticket)
        try await both("answer arrives") { _, clock in
            try await clock.sleep(for: .milliseconds(800))
            return nil
        }
        let headers = RateLimitHeaders(limitRequests: 60, limitTokens: 9000, remainingRequests: 10, remainingTokens: 1000)
        try await both("observe") { throttle, _ in
            await throttle.observe(headers, ticket: ticket)
            return nil
        }
        try await both("pause") { throttle, _ in
            await throttle.pause(for: .seconds(3))
            return nil
        }
        for index in 0..<4 {
            try await both("acquire after pause \(index)") { throttle, _ in try await throttle.acquire(tokenCost: 2000) }
        }
    }

    /// The snapshot and the limits come from the store's last answer: a worker asks the
    /// store only before its first reservation.
    @Test func snapshotCostsNoRoundTrip() async throws {
        let clock = TestClock()
        let store = MemoryRateBuckets(requestsPerMinute: 60, tokensPerMinute: 6000, clock: clock)
        let worker = SharedRateLimiter(store: store, clock: clock, arrivalAllowance: .zero)
        #expect(await worker.tokensPerMinute == 6000)
        #expect(store.operations == 1)
        try await worker.acquire(tokenCost: 3000)
        try await clock.sleep(for: .seconds(10))
        #expect(await worker.snapshot == ThrottleSnapshot(requestsPerMinute: 60, tokensPerMinute: 6000, availableRequests: 60, availableTokens: 4000))
        #expect(store.operations == 2)
    }

    /// A store that cannot be reached stops the reservation with its error; usage it could
    /// not take is added to the next reservation, and a pause it could not share still
    /// holds this worker.
    @Test func storeFailuresNeverLoseTakenCapacity() async throws {
        let clock = TestClock()
        let store = MemoryRateBuckets(requestsPerMinute: nil, tokensPerMinute: 6000, clock: clock)
        let worker = SharedRateLimiter(store: store, clock: clock, arrivalAllowance: .zero)
        try await worker.acquire(tokenCost: 1000)
        let failure = StateError.postgres(server: "postgres://db/jobs", action: "reserving", reason: "connection refused", advice: "")
        store.fail(with: failure)
        await #expect(throws: StateError.self) { try await worker.acquire(tokenCost: 100) }
        await worker.settle(reservedTokens: 1000, usedTokens: 3000)
        await worker.pause(for: .seconds(5))
        store.fail(with: nil)
        // 6000 - 1000 - 2000 owed - 3000 now: the bucket is empty, the pause still holds.
        #expect(try await worker.acquire(tokenCost: 3000).sentAt == .seconds(5))
        #expect(store.state.tokens.level == 0)
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

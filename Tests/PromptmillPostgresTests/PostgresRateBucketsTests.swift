import Foundation
import PromptmillCore
import PromptmillPostgres
import PromptmillTesting
import Testing

/// The shared buckets in a real PostgreSQL. Times are compared on the database's clock only,
/// as each statement returns it; the limiters sleep on test clocks.
@Suite struct PostgresRateBucketsTests {
    static let model = "gpt-4o-mini"
    static let baseURL = "https://api.openai.com/v1"

    /// Opens `count` databases (each with connections of its own) on one new schema.
    func withDatabases<Result>(_ count: Int, _ body: ([PostgresDatabase]) async throws -> Result) async throws -> Result {
        try await TestDatabase.withSchema { schema in
            let url = try TestDatabase.url()
            let databases = try (0..<count).map { _ in try PostgresDatabase(url: url, schema: schema, asyncConnections: 4) }
            defer { for database in databases { database.close() } }
            return try await body(databases)
        }
    }

    func buckets(_ database: PostgresDatabase, requests: Int?, tokens: Int?, model: String = model) throws -> PostgresRateBuckets {
        try PostgresRateBuckets(database: database, model: model, baseURL: Self.baseURL, requestsPerMinute: requests, tokensPerMinute: tokens)
    }

    /// The database's state equals `RateBucketState`'s rules replayed at its times (to the
    /// rounding of floating point).
    func expectSame(_ stored: RateBucketState, _ model: RateBucketState, _ step: String) {
        #expect(stored.at == model.at, "\(step): time")
        #expect(stored.pausedUntil == model.pausedUntil, "\(step): pause")
        for (name, ours, theirs) in [("requests", stored.requests, model.requests), ("tokens", stored.tokens, model.tokens)] {
            #expect(ours.configured == theirs.configured, "\(step): \(name) configured")
            #expect(ours.learned == theirs.learned, "\(step): \(name) learned")
            #expect(ours.capacity == theirs.capacity, "\(step): \(name) capacity")
            #expect((ours.level == nil) == (theirs.level == nil), "\(step): \(name) level known")
            #expect(abs((ours.level ?? 0) - (theirs.level ?? 0)) < 1e-6, "\(step): \(name) level \(ours.level ?? 0) vs \(theirs.level ?? 0)")
            #expect(abs(ours.issued - theirs.issued) < 1e-6, "\(step): \(name) issued \(ours.issued) vs \(theirs.issued)")
        }
    }

    /// Every statement computes in SQL what `RateBucketState` computes in Swift: reserve
    /// into debt, settle, release, pause, learn a lower and a higher limit with the
    /// ticket-time correction.
    @Test func statementsFollowTheBucketRules() async throws {
        try await withDatabases(1) { databases in
            let store = try buckets(databases[0], requests: 60, tokens: 6000)
            var model = try await store.snapshot()
            #expect(model.requests.level == 60 && model.tokens.level == 6000)
            func step(_ name: String, _ stored: RateBucketState, _ rule: (inout RateBucketState, Duration) -> Void) {
                rule(&model, stored.at)
                expectSame(stored, model, name)
            }
            let first = try await store.reserve(tokens: 1000)
            step("reserve", first.state) { $0.reserve(tokens: 1000, now: $1) }
            #expect(first.wait == .zero)
            try await Task.sleep(for: .milliseconds(30))
            let second = try await store.reserve(tokens: 5500)
            step("reserve into debt", second.state) { $0.reserve(tokens: 5500, now: $1) }
            #expect(abs(seconds(second.wait - model.wait)) < 1e-6 && second.wait > .zero)
            step("settle", try await store.settle(extraTokens: 300)) { $0.settle(extraTokens: 300, now: $1) }
            step("release", try await store.release(tokens: 500)) { $0.release(tokens: 500, now: $1) }
            step("pause", try await store.pause(for: .milliseconds(2500))) { $0.pause(for: .milliseconds(2500), now: $1) }
            let paused = try await store.reserve(tokens: 10)
            step("reserve while paused", paused.state) { $0.reserve(tokens: 10, now: $1) }
            #expect(abs(seconds(paused.wait - model.wait)) < 1e-6 && paused.sendAt >= paused.state.pausedUntil ?? .zero)
            try await Task.sleep(for: .milliseconds(30))
            let lower = RateLimitHeaders(limitRequests: 30, limitTokens: 4000, remainingRequests: 5, remainingTokens: 100)
            step("learn lower", try await store.learn(lower, sentAt: first.sendAt)) { $0.learn(lower, sentAt: first.sendAt, now: $1) }
            #expect(model.requests.capacity == 30 && model.tokens.capacity == 4000)
            let higher = RateLimitHeaders(limitRequests: 120, limitTokens: 4500)
            step("learn higher", try await store.learn(higher, sentAt: nil)) { $0.learn(higher, sentAt: nil, now: $1) }
            #expect(model.requests.capacity == 60 && model.tokens.capacity == 4500)
            step("learn nothing", try await store.learn(RateLimitHeaders(), sentAt: nil)) { $0.learn(RateLimitHeaders(), sentAt: nil, now: $1) }
            let snapshot = try await store.snapshot()
            expectSame(snapshot, model.refilled(to: snapshot.at), "snapshot")
        }
    }

    /// With no limits configured, reservations are counted blind and fade; the first
    /// answer's limits start the bucket full at its send, less them, as in Swift.
    @Test func blindReservationsFollowTheBucketRules() async throws {
        try await withDatabases(1) { databases in
            let store = try buckets(databases[0], requests: nil, tokens: nil)
            var model = try await store.snapshot()
            var sent: Duration?
            for _ in 0..<3 {
                let reservation = try await store.reserve(tokens: 100)
                model.reserve(tokens: 100, now: reservation.state.at)
                expectSame(reservation.state, model, "blind reserve")
                #expect(reservation.wait == .zero)
                sent = sent ?? reservation.sendAt
                try await Task.sleep(for: .milliseconds(20))
            }
            // Three reservations, faded by the time between them (whatever the machine's load).
            #expect(model.requests.issued > 0 && model.requests.issued < 3)
            let headers = RateLimitHeaders(limitRequests: 60, limitTokens: 6000, remainingRequests: 59)
            let learned = try await store.learn(headers, sentAt: sent)
            model.learn(headers, sentAt: sent, now: learned.at)
            expectSame(learned, model, "first limits")
            #expect(learned.requests.issued == 0 && learned.requests.capacity == 60)
        }
    }

    /// A worker opening the store with other limits replaces the configured ones: a lower
    /// capacity takes the difference off the shared room.
    @Test func otherConfiguredLimitsReplaceTheRows() async throws {
        try await withDatabases(2) { databases in
            let first = try buckets(databases[0], requests: 60, tokens: 6000)
            _ = try await first.reserve(tokens: 1000)
            let before = try await first.snapshot()
            _ = try buckets(databases[1], requests: 30, tokens: 9000)
            let after = try await first.snapshot()
            #expect(after.requests.capacity == 30 && after.tokens.capacity == 9000)
            // The new limits took effect between the two snapshots: the room is between
            // what it would be had they taken effect at the first and at the second.
            var early = before
            early.configure(requestsPerMinute: 30, tokensPerMinute: 9000, now: before.at)
            early = early.refilled(to: after.at)
            var late = before
            late.configure(requestsPerMinute: 30, tokensPerMinute: 9000, now: after.at)
            for (stored, bounds) in [
                (after.requests.level, [early.requests.level, late.requests.level]), (after.tokens.level, [early.tokens.level, late.tokens.level]),
            ] {
                let level = try #require(stored)
                let low = try #require(bounds.compactMap { $0 }.min())
                let high = try #require(bounds.compactMap { $0 }.max())
                #expect(level >= low - 1e-6 && level <= high + 1e-6, "\(level) in \(low)...\(high)")
            }
        }
    }

    /// Three workers on connections of their own send at the bucket's pace: never more in
    /// any stretch of time than its capacity and refill, and no slot left unused.
    @Test func workersOnSeparateConnectionsShareTheBucket() async throws {
        try await withDatabases(3) { databases in
            let stores = try databases.map { try buckets($0, requests: 60, tokens: 100_000) }
            let clock = TestClock()
            let workers = stores.map { SharedRateLimiter(store: $0, clock: clock, arrivalAllowance: .zero) }
            var sends: [Duration] = []
            for index in 0..<90 { sends.append(try await workers[index % 3].acquire(tokenCost: 100).sentAt) }
            expectWithinBucket(sends.sorted(), capacity: 60, perSecond: 1)
            // The 90th request goes no sooner than the bucket, full at the first, has
            // refilled 30 (later by the round trips' time, which depends on the machine).
            let first = try #require(sends.min())
            let last = try #require(sends.max())
            #expect(seconds(last - first) >= 30 - 1e-3)
        }
    }

    /// Reservations racing on many connections at once never take more than the bucket
    /// holds: no update is lost, each takes its own place in the queue.
    @Test func concurrentReservationsNeverOverReserve() async throws {
        try await withDatabases(3) { databases in
            let stores = try databases.map { try buckets($0, requests: 20, tokens: nil) }
            let reservations = try await withThrowingTaskGroup(of: RateReservation.self) { group in
                for index in 0..<60 {
                    let store = stores[index % 3]
                    group.addTask { try await store.reserve(tokens: 1) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            expectWithinBucket(reservations.map(\.sendAt).sorted(), capacity: 20, perSecond: 1.0 / 3)
            // Full until the first reservation, then in debt: every reservation and the
            // refill since the first are in the level.
            let first = try #require(reservations.map(\.state.at).min())
            let end = try await stores[1].snapshot()
            let refilled = seconds(end.at - first) / 3
            #expect(abs((end.requests.level ?? 0) - (20 - 60 + refilled)) < 1e-6)
            let atOnce = reservations.filter { $0.wait == .zero }.count
            #expect(atOnce >= 20 && Double(atOnce) <= 20 + refilled + 1)
        }
    }

    /// A 429's pause set by one worker holds every other worker's next send until it ends.
    @Test func pauseIsSeenByEveryWorker() async throws {
        try await withDatabases(2) { databases in
            let first = try buckets(databases[0], requests: 600, tokens: 100_000)
            let second = try buckets(databases[1], requests: 600, tokens: 100_000)
            let clock = TestClock()
            let pausing = SharedRateLimiter(store: first, clock: clock, arrivalAllowance: .zero)
            let waiting = SharedRateLimiter(store: second, clock: clock, arrivalAllowance: .zero)
            await pausing.pause(for: .seconds(30))
            let until = try #require(try await first.snapshot().pausedUntil)
            let ticket = try await waiting.acquire(tokenCost: 100)
            #expect(ticket.sentAt == until)
            #expect(clock.sleeps.count == 1 && clock.sleeps[0] > .zero)
        }
    }

    /// A limit one worker learns holds the others: the shared capacity is the server's.
    @Test func learnedLimitIsSeenByEveryWorker() async throws {
        try await withDatabases(2) { databases in
            let first = try buckets(databases[0], requests: 600, tokens: 100_000)
            let second = try buckets(databases[1], requests: 600, tokens: 100_000)
            let clock = TestClock()
            let learning = SharedRateLimiter(store: first, clock: clock, arrivalAllowance: .zero)
            let other = SharedRateLimiter(store: second, clock: clock, arrivalAllowance: .zero)
            let ticket = try await learning.acquire(tokenCost: 100)
            await learning.observe(RateLimitHeaders(limitRequests: 60, limitTokens: 10_000, remainingRequests: 0), ticket: ticket)
            let next = try await other.acquire(tokenCost: 100)
            // The server had no room at the first send: the next goes one refill after it.
            #expect(seconds(next.sentAt - ticket.sentAt) >= 1 - 1e-3)
            #expect(await other.snapshot.requestsPerMinute == 60)
            #expect(await other.tokensPerMinute == 10_000)
        }
    }

    /// Each model at each API has its own row, keyed without any credentials in the URL;
    /// a row deleted (an unlogged table after a crash) is created again, full.
    @Test func rowsPerModelAndAPIWithoutCredentials() async throws {
        try await withDatabases(1) { databases in
            let database = databases[0]
            let mini = try buckets(database, requests: 60, tokens: nil)
            let large = try buckets(database, requests: 60, tokens: nil, model: "gpt-4o")
            let proxy = try PostgresRateBuckets(
                database: database, model: Self.model, baseURL: "https://user:sk-secret@proxy.example.com/v1/", requestsPerMinute: 60,
                tokensPerMinute: nil)
            #expect(proxy.baseURL == "https://proxy.example.com/v1")
            _ = try await mini.reserve(tokens: 1)
            _ = try await mini.reserve(tokens: 1)
            #expect(try await large.reserve(tokens: 1).state.requests.level ?? 0 >= 59)
            #expect(try await proxy.reserve(tokens: 1).state.requests.level ?? 0 >= 59)
            let urls = try await database.query("SELECT base_url FROM rate_buckets ORDER BY base_url").map { try $0.decode(String.self) }
            #expect(urls == ["https://api.openai.com/v1", "https://api.openai.com/v1", "https://proxy.example.com/v1"])
            try await database.execute("DELETE FROM rate_buckets WHERE model = \(Self.model) AND base_url = \(Self.baseURL)")
            #expect(try await mini.reserve(tokens: 1).state.requests.level ?? 0 >= 59)
        }
    }

    /// In every stretch between two sends, at most the capacity plus what refilled in it.
    func expectWithinBucket(_ sends: [Duration], capacity: Double, perSecond: Double) {
        for first in sends.indices {
            for last in sends.indices where last > first {
                let allowed = capacity + seconds(sends[last] - sends[first]) * perSecond + 1e-6
                #expect(Double(last - first + 1) <= allowed, "sends \(first)...\(last)")
            }
        }
    }

    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

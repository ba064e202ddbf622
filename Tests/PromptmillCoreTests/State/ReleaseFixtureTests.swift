import Foundation
import GRDB
import Testing
import PromptmillCore
import PromptmillSimulator
import PromptmillTesting

/// State files release 0.1 left (Fixtures/release-0.1, see its README): a 40-row job that
/// the quota stopped with rows r1 to r20 recorded and r21 to r40 pending. What users have on
/// disk from that release must keep working.
@Suite(.serialized) struct ReleaseFixtureTests {
    /// Where release 0.1 ran the job: its fingerprint holds the input's and the output's
    /// absolute paths and the input's modification time.
    static let jobDirectory = "/tmp/promptmill-fixture-release-0.1"
    static let inputModified = Date(timeIntervalSince1970: 1_700_000_000)
    static let ledgerPath = jobDirectory + "/state/release-fixture.ledger.sqlite"
    static let recordedIDs = (1...20).map { "r\($0)" }
    static let pendingIDs = (21...40).map { "r\($0)" }

    static var fixtures: String {
        Bundle.module.resourceURL!.appendingPathComponent("release-0.1").path
    }

    /// Copies the fixture job to `directory` (replacing it) with the input's recorded time.
    static func placeFixtures(at directory: String = jobDirectory) throws {
        let files = FileManager.default
        try? files.removeItem(atPath: directory)
        try files.createDirectory(atPath: (directory as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try files.copyItem(atPath: fixtures, toPath: directory)
        try files.setAttributes([.modificationDate: inputModified], ofItemAtPath: directory + "/rows.jsonl")
    }

    /// Runs the fixture job as `promptmill run pipeline.yaml --state-dir state` would.
    static func run(against simulator: Simulator, fresh: Bool = false) async throws -> RunReport {
        var overrides = PipelineOverrides(mockBaseURL: simulator.baseURL)
        overrides.stateDirectory = jobDirectory + "/state"
        let configuration = try PipelineLoader.load(path: jobDirectory + "/pipeline.yaml", overrides: overrides, environment: [:], apiKey: .required)
        let transport = AsyncHTTPClientTransport(maximumConnections: configuration.limits.concurrencyCeiling)
        let runner = JobRunner(
            configuration: configuration, options: JobRunner.Options(fresh: fresh), transport: transport,
            progress: ProgressReporter(mode: .quiet))
        do {
            let report = try await runner.run()
            await transport.shutdown()
            return report
        } catch {
            await transport.shutdown()
            throw error
        }
    }

    /// The prompt the fixture's template renders for each row, by id.
    static func prompts(directory: String = jobDirectory) throws -> [String: String] {
        let rows = try String(contentsOfFile: directory + "/rows.jsonl", encoding: .utf8)
        var prompts: [String: String] = [:]
        for line in rows.split(separator: "\n") {
            let value = try Array(line.utf8).withUnsafeBytes { try JSONParser.parse($0) }
            guard case .object(let row) = value, let id = row.string("id"), let text = row.string("text") else { continue }
            prompts[id] = "Classify the sentiment: " + text
        }
        return prompts
    }

    /// Every prompt of every completions request the simulator received.
    static func promptsSent(to simulator: Simulator) throws -> [String] {
        try simulator.receivedRequests().filter { $0.path.hasSuffix("/completions") }.flatMap { request -> [String] in
            let body = try request.body.withUnsafeBytes { try JSONParser.parse($0) }
            guard case .object(let object) = body, case .array(let prompts)? = object["prompt"] else { return [] }
            return prompts.compactMap { if case .string(let prompt) = $0 { prompt } else { nil } }
        }
    }

    static func ids(_ records: [JSONObject]) -> [String] {
        records.compactMap { $0.string("id") }
    }

    /// The same command run again continues the job release 0.1 stopped: it is not started
    /// over, only the pending rows are sent, the output gains them after the release's own
    /// bytes, and the answers that release cached are still served from its cache.
    @Test func jobStoppedByReleaseZeroOneContinues() async throws {
        try Self.placeFixtures()
        defer { try? FileManager.default.removeItem(atPath: Self.jobDirectory) }
        var configuration = SimulatorConfiguration()
        configuration.recordRequests = true
        let simulator = Simulator(configuration: configuration)
        _ = try await simulator.start()
        defer { Task { try? await simulator.stop() } }
        let outputPath = Self.jobDirectory + "/out.jsonl.gz"
        let releaseBytes = try Data(contentsOf: URL(fileURLWithPath: outputPath))
        #expect(Self.ids(try RunHarness.records(at: outputPath)) == Self.recordedIDs)

        let report = try await Self.run(against: simulator)
        #expect(report.exitCode == 0)
        #expect(report.restartReason == nil)
        #expect(report.statistics.resumedRows == 20)
        let prompts = try Self.prompts()
        let sent = try Self.promptsSent(to: simulator)
        #expect(sent.count == 20)
        #expect(Set(sent) == Set(Self.pendingIDs.compactMap { prompts[$0] }))
        let records = try RunHarness.records(at: outputPath)
        #expect(records.count == 40)
        #expect(Set(Self.ids(records)) == Set(Self.recordedIDs + Self.pendingIDs))
        #expect(try Data(contentsOf: URL(fileURLWithPath: outputPath)).prefix(releaseBytes.count) == releaseBytes)

        // Started over, the job finds every answer in the cache: the release's and this run's.
        let served = simulator.statistics().requests
        let fresh = try await Self.run(against: simulator, fresh: true)
        #expect(fresh.exitCode == 0)
        #expect(simulator.statistics().requests == served)
        #expect(fresh.statistics.cacheHits == 40)
        let again = try RunHarness.records(at: outputPath)
        #expect(Set(Self.ids(again)) == Set(Self.recordedIDs + Self.pendingIDs))
        #expect(again.count == 40)
    }

    /// The response cache release 0.1 wrote opens, counts its entries and finds the answer
    /// of each row the release recorded by that row's key, and who paid for it.
    @Test func cacheWrittenByReleaseZeroOneIsRead() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let job = directory.path + "/job"
        try Self.placeFixtures(at: job)
        let cache = try ResponseCache(path: job + "/responses.sqlite")
        let statistics = try cache.statistics()
        #expect(statistics.entries == 20)
        #expect(statistics.models.map(\.model) == ["gpt-3.5-turbo-instruct"])
        #expect(statistics.models.first?.entries == 20)
        #expect(statistics.oldest != nil && statistics.newest != nil)

        let configuration = try PipelineLoader.load(path: job + "/pipeline.yaml", environment: [:])
        var keyer = ResponseCacheKeyer(configuration: configuration)
        let prompts = try Self.prompts(directory: job)
        let ids = Self.recordedIDs + Self.pendingIDs
        let keys = ids.map { keyer.key(prompt: prompts[$0]!) }
        var found: [String: JSONValue] = [:]
        var payers: [String: Int] = [:]
        try cache.lookUp(keys) { index, hit in
            found[ids[index]] = try? JSONParser.parse(hit.output)
            payers[ids[index]] = hit.paidBy.count
        }
        #expect(Set(found.keys) == Set(Self.recordedIDs))
        #expect(payers.values.allSatisfy { $0 == 24 })
        let records = try RunHarness.records(at: job + "/out.jsonl.gz")
        for record in records {
            let id = try #require(record.string("id"))
            #expect(found[id] == record["output"], "row \(id)")
        }

        // The payer is the job's generation as the release's ledger recorded it.
        let progress = try #require(try JobLedger(path: job + "/state/release-fixture.ledger.sqlite", readOnly: true).progress())
        #expect(try cache.answersPaid(by: progress.generation).map(\.row).sorted() == Array(1...20))
    }

    /// Opened for writing, a ledger and a cache of release 0.1 end at the schema of new files,
    /// with their data, and record every migration; a read-only open of a ledger migrates nothing.
    @Test func filesOfReleaseZeroOneMigrateToTheSchemaOfNewFiles() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let job = directory.path + "/job"
        try Self.placeFixtures(at: job)
        let oldLedger = job + "/state/release-fixture.ledger.sqlite", oldCache = job + "/responses.sqlite"
        let newLedger = directory.path + "/new.ledger.sqlite", newCache = directory.path + "/new-responses.sqlite"

        #expect(try JobLedger(path: oldLedger, readOnly: true).progress()?.done.count == 20)
        #expect(try Self.migrations(oldLedger) == nil)

        #expect(try JobLedger(path: oldLedger).progress()?.done.count == 20)
        #expect(try ResponseCache(path: oldCache).statistics().entries == 20)
        _ = try JobLedger(path: newLedger)
        _ = try ResponseCache(path: newCache)
        for path in [oldLedger, newLedger] {
            #expect(try Self.migrations(path) == ["v1", "v2", "v3", "v4", "v5"], "\(path)")
        }
        for path in [oldCache, newCache] {
            #expect(try Self.migrations(path) == ["v1", "v2", "v3", "v4"], "\(path)")
        }
        #expect(try Self.schema(oldLedger) == Self.schema(newLedger))
        #expect(try Self.schema(oldCache) == Self.schema(newCache))
        // Tables job, segments, runs, batches, batch_lines, timeline, slow_requests: each its
        // SQL and its columns.
        #expect(try Self.schema(newLedger).count == 5 + 12 + 21 + 11 + 14 + 2 + 4 + 4)
        // Opened again, nothing is left to apply.
        #expect(try JobLedger(path: oldLedger).progress()?.done.count == 20)
        #expect(try Self.migrations(oldLedger) == ["v1", "v2", "v3", "v4", "v5"])
    }

    static func readOnly(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// The migrations the file records, or nil when it has no `grdb_migrations` table.
    static func migrations(_ path: String) throws -> [String]? {
        try readOnly(path).read { db in
            try db.tableExists("grdb_migrations") ? String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") : nil
        }
    }

    /// Each table's statement, then each of its columns: name, type, not null, default, key.
    static func schema(_ path: String) throws -> [String] {
        try readOnly(path).read { db in
            let tablesSQL = """
                SELECT name, sql FROM sqlite_master
                WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations' ORDER BY name
                """
            let tables = try Row.fetchAll(db, sql: tablesSQL)
            var schema: [String] = []
            for table in tables {
                let name: String = table["name"]
                schema.append(table["sql"])
                for column in try Row.fetchAll(db, sql: "PRAGMA table_info(\(name))") {
                    schema.append(["name", "type", "notnull", "dflt_value", "pk"].map { "\(column[$0] as DatabaseValue)" }.joined(separator: " "))
                }
            }
            return schema
        }
    }
}

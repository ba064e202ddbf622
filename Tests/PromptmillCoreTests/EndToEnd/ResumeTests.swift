import Foundation
import Testing
import PromptmillCore
import PromptmillSimulator
import PromptmillTesting

/// Jobs that stop and are run again: every row once, nothing paid twice.
@Suite struct ResumeTests {
    static func pipeline(batchSize: Int = 20, include: String = "[id]", prompt: String = "Classify the sentiment: {{text}}") -> String {
        """
        name: resume
        input: {path: INPUT, id: id}
        endpoint: completions
        model: gpt-3.5-turbo-instruct
        prompt: "\(prompt)"
        params: {max_tokens: 3, temperature: 0}
        batch_size: \(batchSize)
        limits: {max_concurrency: 4, max_retries: 2}
        output: {path: out.jsonl.gz, include: \(include)}
        """
    }

    static func rows(_ count: Int) -> String {
        let words = ["great", "awful", "fine"]
        return (1...count).map { "{\"id\":\"r\($0)\",\"text\":\"row \($0) is \(words[$0 % 3])\"}\n" }.joined()
    }

    static func ids(_ records: [JSONObject]) -> [String] {
        records.compactMap { if case .string(let id)? = $0["id"] { id } else { nil } }
    }

    static func outputs(_ records: [JSONObject]) -> [String: JSONValue] {
        Dictionary(uniqueKeysWithValues: records.map { ("\($0["id"]!)", $0["output"]!) })
    }

    static func promptTokens(_ records: [JSONObject]) -> Int {
        records.reduce(0) { total, record in
            guard case .bool(false)? = record["cached"], case .object(let usage)? = record["usage"],
                case .number(let tokens)? = usage["prompt_tokens"]
            else { return total }
            return total + Int(tokens)!
        }
    }

    /// A 250-row job whose simulator answers `requests` requests, then `insufficient_quota`.
    static func stoppedByQuota(after requests: Int, state: StateKind = .sqlite) async throws -> (
        RunHarness, (report: RunReport, records: [JSONObject])
    ) {
        var configuration = SimulatorConfiguration()
        configuration.quotaRequests = requests
        let harness = try await RunHarness(simulator: configuration, state: state)
        let first = try await harness.run(pipeline: pipeline(), input: rows(250))
        #expect(first.report.exitCode == 4)
        return (harness, first)
    }

    @Test(arguments: StateKind.allCases) func finishedJobRunAgainSendsNoRequestEvenWithAnotherBatchSize(state: StateKind) async throws {
        let harness = try await RunHarness(state: state)
        defer { Task { await harness.stop() } }
        let first = try await harness.run(pipeline: Self.pipeline(), input: Self.rows(250))
        #expect(first.report.exitCode == 0)
        #expect(first.report.statistics.requests == 13)
        let served = harness.simulator.statistics().requests
        let firstBytes = try Data(contentsOf: URL(fileURLWithPath: harness.outputPath))

        let again = try await harness.runAgain()
        #expect(again.report.exitCode == 0)
        #expect(harness.simulator.statistics().requests == served)
        #expect(try Data(contentsOf: URL(fileURLWithPath: harness.outputPath)) == firstBytes)

        try harness.writePipeline(Self.pipeline(batchSize: 7))
        let batchOf7 = try await harness.runAgain()
        #expect(batchOf7.report.exitCode == 0)
        #expect(harness.simulator.statistics().requests == served)

        // Even starting over, every row of the 7-row batches comes from the cache.
        let fresh = try await harness.runAgain(options: JobRunner.Options(fresh: true))
        #expect(fresh.report.exitCode == 0)
        #expect(harness.simulator.statistics().requests == served)
        #expect(fresh.records.count == 250)
        #expect(Set(Self.ids(fresh.records)).count == 250)
        #expect(fresh.records.allSatisfy { $0["cached"] == .bool(true) && $0["attempts"] == .number("0") })
        #expect(Self.outputs(fresh.records) == Self.outputs(first.records))
        #expect(fresh.report.statistics.cacheHits == 250)
        #expect(fresh.report.restartReason?.contains("--fresh") == true)
        let summary = try harness.file("out.jsonl.gz.summary.json")
        #expect(summary.contains("\"cache_hits\": 250"))
    }

    /// A quota stop in the middle: the rerun sends only the rows without a record, and the
    /// tokens paid over both runs are exactly those of one pass over the rows.
    @Test(arguments: StateKind.allCases) func quotaStopThenRerunRecordsEveryRowOncePaidOnce(state: StateKind) async throws {
        let (harness, first) = try await Self.stoppedByQuota(after: 5, state: state)
        defer { Task { await harness.stop() } }
        #expect(first.records.count == 100)

        harness.simulator.setQuota(requests: nil)
        let second = try await harness.runAgain()
        #expect(second.report.exitCode == 0)
        #expect(second.records.count == 250)
        #expect(Set(Self.ids(second.records)).count == 250)
        #expect(second.report.statistics.resumedRows == 100)
        #expect(Self.promptTokens(second.records) == harness.simulator.statistics().promptTokens)
        #expect(second.report.statistics.usage.promptTokens == harness.simulator.statistics().promptTokens)
    }

    /// What a killed writer leaves after its last complete member (half a member) is cut
    /// off by the next run, which carries on from the ledger's offset.
    @Test func halfWrittenMemberIsCutAndTheJobCarriesOn() async throws {
        let (harness, _) = try await Self.stoppedByQuota(after: 3)
        defer { Task { await harness.stop() } }
        let complete = try Data(contentsOf: URL(fileURLWithPath: harness.outputPath))
        // The start of another member: a gzip header and a few deflate bytes, no trailer.
        let handle = try #require(FileHandle(forWritingAtPath: harness.outputPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(complete.prefix(40)))
        try handle.close()
        #expect(throws: (any Error).self) { try RunHarness.records(at: harness.outputPath) }

        harness.simulator.setQuota(requests: nil)
        let second = try await harness.runAgain()
        #expect(second.report.exitCode == 0)
        #expect(second.records.count == 250)
        #expect(Set(Self.ids(second.records)).count == 250)
        #expect(Self.promptTokens(second.records) == harness.simulator.statistics().promptTokens)
    }

    /// Answers this job paid for whose records were lost come back as the job's own
    /// (cached false, with their usage), so the totals stay those of one uninterrupted run.
    @Test func lostOutputIsRebuiltFromTheJobsOwnAnswers() async throws {
        let harness = try await RunHarness()
        defer { Task { await harness.stop() } }
        let first = try await harness.run(pipeline: Self.pipeline(), input: Self.rows(60))
        #expect(first.report.exitCode == 0)
        let served = harness.simulator.statistics()
        try FileManager.default.removeItem(atPath: harness.outputPath)

        let again = try await harness.runAgain()
        #expect(again.report.exitCode == 0)
        #expect(again.report.restartReason?.contains("missing") == true)
        #expect(harness.simulator.statistics().requests == served.requests)
        #expect(again.records.count == 60)
        #expect(again.records.allSatisfy { $0["cached"] == .bool(false) })
        #expect(Self.promptTokens(again.records) == served.promptTokens)
        #expect(again.report.statistics.usage == first.report.statistics.usage)
        #expect(again.report.statistics.requests == first.report.statistics.requests)
    }

    /// A changed pipeline is noticed: copied fields alone change no request, so every row
    /// comes from the cache; a changed prompt sends every row again.
    @Test(arguments: StateKind.allCases) func changedPipelineStartsAgainAndReusesWhatItCan(state: StateKind) async throws {
        let harness = try await RunHarness(state: state)
        defer { Task { await harness.stop() } }
        _ = try await harness.run(pipeline: Self.pipeline(), input: Self.rows(40))
        let served = harness.simulator.statistics().requests

        try harness.writePipeline(Self.pipeline(include: "[id, text]"))
        let included = try await harness.runAgain()
        #expect(included.report.exitCode == 0)
        #expect(included.report.restartReason?.contains("copied fields") == true)
        #expect(harness.simulator.statistics().requests == served)
        #expect(included.records.count == 40)
        #expect(included.records.allSatisfy { if case .object(let input)? = $0["input"] { input["text"] != nil } else { false } })

        try harness.writePipeline(Self.pipeline(include: "[id, text]", prompt: "Sentiment of: {{text}}"))
        let reworded = try await harness.runAgain()
        #expect(reworded.report.restartReason?.contains("template") == true)
        #expect(harness.simulator.statistics().requests == served + 2)
        #expect(reworded.records.count == 40)
    }

    @Test func secondRunOfARunningJobIsRefusedWithThePid() async throws {
        let harness = try await RunHarness()
        defer { Task { await harness.stop() } }
        try harness.directory.write("rows.jsonl", Self.rows(5))
        try harness.writePipeline(Self.pipeline())
        let lock = try JobLock(path: harness.directory.path + "/.promptmill/resume.lock", jobName: "resume")
        do {
            _ = try await harness.runAgain()
            Issue.record("the second run was not refused")
        } catch let error as StateError {
            guard case .jobRunning(let name, let pid) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(name == "resume")
            #expect(pid == getpid())
            #expect(error.description.contains("already being run by process \(getpid())"))
        }
        #expect(JobLock.holder(path: lock.path) == getpid())
        withExtendedLifetime(lock) {}
    }

    /// Ledger, lock, cache and output are the user's alone, and none holds the API key.
    @Test func stateCacheAndOutputArePrivateAndKeyFree() async throws {
        let harness = try await RunHarness()
        defer { Task { await harness.stop() } }
        let key = "sk-resume-secret-5150"
        let first = try await harness.run(pipeline: Self.pipeline(), input: Self.rows(30), environment: ["OPENAI_API_KEY": key])
        #expect(first.report.exitCode == 0)
        let state = harness.directory.path + "/.promptmill"
        let files = [
            state + "/resume.ledger.sqlite", state + "/resume.lock", harness.cachePath, harness.outputPath,
            harness.outputPath + ".summary.json",
        ]
        for file in files {
            let permissions = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(permissions == 0o600, "\(file)")
        }
        for folder in [state, (harness.cachePath as NSString).deletingLastPathComponent] {
            let permissions = try FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? Int
            #expect(permissions == 0o700, "\(folder)")
        }
        let everything = try FileManager.default.subpathsOfDirectory(atPath: harness.directory.path)
        for name in everything {
            let path = harness.directory.path + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(bytes.range(of: Data(key.utf8)) == nil, "\(name) holds the key")
        }
    }
}

import Foundation
import Testing
import PromptmillCore
import PromptmillSimulator
import PromptmillTesting

/// The `promptmill` executable as a user runs it: exit codes and what it prints.
@Suite struct CommandLineTests {
    /// The built executable, in the build folder beside the test runner.
    static let executable: URL = {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 where !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("promptmill").path) {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("promptmill")
    }()

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let cacheHome = FileManager.default.temporaryDirectory.appendingPathComponent("promptmill-cli-tests-\(getpid())").path

    static func run(_ arguments: [String], environment: [String: String] = [:], directory: String? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        // The response cache goes to a folder of the test's own, never the user's.
        process.environment = ["PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": cacheHome].merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// validate exits 2 on a broken pipeline and prints each problem with file and line.
    @Test func validateExitsTwoOnProblems() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("rows.csv", "id,text\n1,a\n2,b,c\n")
        try directory.write(
            "p.yaml",
            """
            name: cli
            input: {path: rows.csv, id: id}
            endpoint: completions
            model: gpt-3.5-turbo-instruct
            prompt: "{{text}}"
            output: {path: out.jsonl.gz}
            """)
        let outcome = try Self.run(["validate", "p.yaml"], directory: directory.path)
        #expect(outcome.status == 2)
        #expect(
            outcome.stderr == """
                error: rows.csv:3: row has 3 fields, the header has 2
                error: 1 bad row: nothing was sent — fix the input, or set input.on_bad_row: skip to leave such rows out

                """)
        // Wrong keys do not stop validate from reading the input: both kinds are reported.
        try directory.write(
            "p.yaml",
            """
            name: cli
            input: {path: rows.csv, id: id}
            endpoint: completions
            model: gpt-3.5-turbo-instruct
            prompt: "{{text}}"
            bach_size: 5
            output: {path: out.jsonl.gz}
            """)
        let both = try Self.run(["validate", "p.yaml"], directory: directory.path)
        #expect(both.status == 2)
        #expect(
            both.stderr == """
                error: p.yaml:6: unknown key 'bach_size' — did you mean 'batch_size'?
                error: rows.csv:3: row has 3 fields, the header has 2
                error: 1 bad row: nothing was sent — fix the input, or set input.on_bad_row: skip to leave such rows out

                """)
        try directory.write("p.yaml", "name: cli\nendpoint: completions\nbatch_size: 21\n")
        let broken = try Self.run(["validate", "p.yaml"], directory: directory.path)
        #expect(broken.status == 2)
        #expect(broken.stderr.contains("error: p.yaml:3: batch_size must be between 1 and 20 for endpoint completions, found 21"))
        #expect(broken.stderr.contains("error: p.yaml: missing required key 'model'"))
    }

    /// run --mock needs no key, exits 0 and leaves the output and its summary.
    @Test func runMockExitsZero() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("rows.jsonl", (1...30).map { "{\"text\":\"great row \($0)\"}" }.joined(separator: "\n"))
        try directory.write(
            "p.yaml",
            """
            name: cli
            input: {path: rows.jsonl}
            endpoint: completions
            model: gpt-3.5-turbo-instruct
            prompt: "Sentiment of this review? Review: {{text}}"
            output: {path: out/cli.jsonl.gz}
            """)
        let outcome = try Self.run(["run", "p.yaml", "--mock", "--mock-latency-ms", "0", "--progress", "quiet"], directory: directory.path)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let summary = try String(contentsOfFile: directory.path + "/out/cli.jsonl.gz.summary.json", encoding: .utf8)
        #expect(summary.contains("\"items\": 30"))
        #expect(summary.contains("\"complete\": true"))

        // A cap below one prompt's worst case: exit 3, the table says what was spent.
        let capped = try Self.run(
            [
                "run", "p.yaml", "--mock", "--mock-latency-ms", "0", "--fresh", "--no-cache", "--max-usd", "0.00001",
                "--progress", "plain",
            ], directory: directory.path)
        #expect(capped.status == 3, "\(capped.stderr)")
        #expect(capped.stderr.contains("stopped at the budget: $0.000000 spent of the $0.000010 cap"))
        #expect(capped.stderr.contains("  budget    $0.000000 spent of $0.000010"))
        #expect(capped.stderr.contains("  requests  0 (0 retries, 0 answered 429)"))
        let finished = try Self.run(
            ["run", "p.yaml", "--mock", "--mock-latency-ms", "0", "--max-usd", "1", "--progress", "plain"],
            directory: directory.path)
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(finished.stderr.contains("done: 30 of 30 rows accounted for"))
        #expect(finished.stderr.contains("  cost      $0.00"))
    }

    /// status reads the job's ledger; cache stats, prune and clear look after the cache.
    @Test func statusAndCacheCommands() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("rows.jsonl", (1...30).map { "{\"text\":\"fine row \($0)\"}" }.joined(separator: "\n"))
        try directory.write(
            "p.yaml",
            """
            name: cli-status
            input: {path: rows.jsonl}
            endpoint: completions
            model: gpt-3.5-turbo-instruct
            prompt: "Sentiment: {{text}}"
            output: {path: out/s.jsonl.gz}
            """)
        let before = try Self.run(["status", "p.yaml"], directory: directory.path)
        #expect(before.status == 0)
        #expect(before.stdout.contains("not started"))
        let cache = directory.path + "/c.sqlite"
        let run = try Self.run(
            ["run", "p.yaml", "--mock", "--mock-latency-ms", "0", "--progress", "quiet", "--cache", cache],
            directory: directory.path)
        #expect(run.status == 0, "\(run.stderr)")
        let status = try Self.run(["status", "p.yaml", "--json"], directory: directory.path)
        #expect(status.status == 0)
        for fragment in ["\"rows_done\":30", "\"rows_pending\":0", "\"requests\":2", "\"running\":false", "\"changed\":[]"] {
            #expect(status.stdout.contains(fragment), "\(status.stdout)")
        }
        let stats = try Self.run(["cache", "stats", "--cache", cache], directory: directory.path)
        #expect(stats.stdout.contains("entries: 30"), "\(stats.stdout)")
        #expect(stats.stdout.contains("gpt-3.5-turbo-instruct: 30 entries"))
        let kept = try Self.run(["cache", "prune", "--older-than", "30d", "--cache", cache], directory: directory.path)
        #expect(kept.stdout.hasPrefix("removed 0 entries"))
        let bad = try Self.run(["cache", "prune", "--older-than", "soon", "--cache", cache], directory: directory.path)
        #expect(bad.status != 0)
        let cleared = try Self.run(["cache", "clear", "--cache", cache], directory: directory.path)
        #expect(cleared.stdout.hasPrefix("removed 30 entries"))
    }

    /// An exhausted quota exits 4 with a message that says what to do; a missing key exits 2.
    @Test func quotaExitsFourAndMissingKeyExitsTwo() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("rows.jsonl", "{\"text\":\"a\"}\n")
        try directory.write(
            "p.yaml",
            """
            name: cli
            input: {path: rows.jsonl}
            endpoint: completions
            model: gpt-3.5-turbo-instruct
            prompt: "{{text}}"
            output: {path: out.jsonl.gz}
            """)
        var configuration = SimulatorConfiguration()
        configuration.insufficientQuota = true
        let simulator = Simulator(configuration: configuration)
        try await simulator.start()
        let outcome = try Self.run(
            ["run", "p.yaml", "--base-url", simulator.baseURL, "--progress", "quiet"],
            environment: ["OPENAI_API_KEY": "sk-test-secret"], directory: directory.path)
        try await simulator.stop()
        #expect(outcome.status == 4)
        #expect(outcome.stderr.contains("error: the account's quota is exhausted (insufficient_quota: "))
        #expect(!outcome.stderr.contains("sk-test-secret"))
        let missing = try Self.run(["run", "p.yaml", "--progress", "quiet"], directory: directory.path)
        #expect(missing.status == 2)
        #expect(
            missing.stderr
                == "error: p.yaml: OPENAI_API_KEY is not set — export your API key in the environment, or add --mock to run against the built-in simulator\n"
        )
    }

    /// The first SIGINT stops new sends, lets requests in flight finish, writes their
    /// records and the summary, and exits 130.
    @Test func interruptWritesWhatIsDoneAndExits130() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("rows.jsonl", (1...400).map { "{\"text\":\"row \($0)\"}" }.joined(separator: "\n"))
        try directory.write(
            "p.yaml",
            """
            name: cli
            input: {path: rows.jsonl}
            endpoint: completions
            model: gpt-3.5-turbo-instruct
            prompt: "{{text}}"
            batch_size: 2
            limits: {max_concurrency: 2}
            output: {path: out.jsonl.gz}
            """)
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["run", "p.yaml", "--mock", "--mock-latency-ms", "200", "--progress", "quiet"]
        process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        // The test's own cache: answers left in a shared one would finish the job before the signal.
        process.environment = ["PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": directory.path + "/cache"]
        process.standardError = Pipe()
        try process.run()
        try await Task.sleep(for: .milliseconds(1500))
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        let records = try GzipMemberWriter.decompressAll(path: directory.path + "/out.jsonl.gz").split(separator: UInt8(ascii: "\n"))
        #expect(records.count > 0 && records.count < 400)
        #expect(records.count % 2 == 0, "a batch in flight was cut off instead of finished")
        let summary = try String(contentsOfFile: directory.path + "/out.jsonl.gz.summary.json", encoding: .utf8)
        #expect(summary.contains("\"items\": \(records.count)"))
        #expect(summary.contains("\"complete\": false"))
    }

    /// tokens counts exactly, from a file or per JSONL line.
    @Test func tokensCounts() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("t.jsonl", "{\"text\":\"Hello, world!\"}\n{\"text\":\"hello world\"}\n")
        let outcome = try Self.run(["tokens", "--jsonl", "--encoding", "cl100k_base", "t.jsonl"], directory: directory.path)
        #expect(outcome.status == 0)
        #expect(outcome.stdout == "4\n2\n")
    }
}

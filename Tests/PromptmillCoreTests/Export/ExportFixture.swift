import Foundation
import PromptmillTesting

@testable import PromptmillCore

/// A job as `promptmill export` finds it, made by hand: a pipeline, its input, and its
/// output as real gzip members (records in the order given, the way a run writes them in
/// completion order), with a rejects file when a test wants one.
struct ExportFixture {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory()
    }

    /// Writes `pipeline.yaml` for a completions job over `input` (`ID` in `extra` lines).
    func pipeline(input: String, id: String? = "id", extra: String = "") throws {
        try directory.write(
            "pipeline.yaml",
            """
            name: export-test
            input: {path: \(input)\(id.map { ", id: \($0)" } ?? ""), on_bad_row: skip}
            endpoint: completions
            model: gpt-3.5-turbo-instruct
            prompt: "Label: {{text}}"
            output: {path: out/job.jsonl.gz}
            \(extra)
            """)
    }

    /// The job's output: `records` (JSON lines without their newline), `perMember` to a gzip member.
    func output(_ records: [String], perMember: Int = 2) throws {
        try FileManager.default.createDirectory(atPath: directory.path + "/out", withIntermediateDirectories: true)
        let writer = try GzipMemberWriter(path: directory.path + "/out/job.jsonl.gz", appending: false)
        for start in stride(from: 0, to: records.count, by: perMember) {
            try writer.write(Array(records[start..<min(records.count, start + perMember)].map { $0 + "\n" }.joined().utf8))
            _ = try writer.finishMember()
        }
        try writer.finishEmptyFile()
        try writer.close()
    }

    /// A record as `OutputRecordEncoder` writes it: an answer, or with `error` a failure.
    static func record(_ id: String, output: String? = nil, json: String? = nil, error: String? = nil, cost: String = "0.0000635")
        -> String
    {
        var writer = JSONWriter()
        writer.string(id)
        let quotedID = String(decoding: writer.bytes, as: UTF8.self)
        writer.removeAll()
        if let output { writer.string(output) } else { writer.null() }
        let quotedOutput = String(decoding: writer.bytes, as: UTF8.self)
        let errorJSON = error.map { "{\"type\":\"\($0)\",\"message\":\"the \($0) message\",\"status\":400}" } ?? "null"
        let finish = output == nil ? "null" : "\"stop\""
        return "{\"id\":\(quotedID),\"input\":{},\"output\":\(quotedOutput)\(json.map { ",\"json\":\($0)" } ?? ""),\"finish_reason\":\(finish),"
            + "\"usage\":{\"prompt_tokens\":41,\"completion_tokens\":1},\"cost_usd\":\(error == nil ? cost : "0"),\"cached\":false,"
            + "\"attempts\":1,\"error\":\(errorJSON)}"
    }

    var configuration: PipelineConfiguration {
        get throws {
            try PipelineLoader.load(path: directory.path + "/pipeline.yaml", environment: ["XDG_CACHE_HOME": directory.path + "/cache"])
        }
    }

    /// Exports to `export.FORMAT` in the folder; returns its text and the summary.
    func export(_ format: ExportFormat) throws -> (text: String, summary: ExportSummary) {
        let path = directory.path + "/export." + format.rawValue
        let summary = try ResultsExporter(configuration: try configuration, options: .init(format: format, destination: path)).export()
        return (try String(contentsOfFile: path, encoding: .utf8), summary)
    }

    /// Each line of a JSONL export, parsed.
    static func objects(_ text: String) throws -> [JSONObject] {
        try text.split(separator: "\n").map { line in
            guard case .object(let object) = try JSONParser.parse(String(line)) else { throw FixtureError.notAnObject }
            return object
        }
    }

    enum FixtureError: Error {
        case notAnObject
        case python(String)
    }

    /// Runs a Python 3 script with `arguments` and returns what it printed; throws with its
    /// stderr when it fails (a test needing Python fails, never skips, without it).
    static func python(_ script: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw FixtureError.python(String(decoding: stderr, as: UTF8.self)) }
        return String(decoding: stdout, as: UTF8.self)
    }

    /// A script that prints a CSV file's rows, as Python's csv module reads them, as JSON.
    static let csvAsJSON = "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))))"

    /// The rows of a CSV file as Python's csv module reads them.
    static func pythonRows(_ path: String) throws -> [[String]] {
        let text = try python(csvAsJSON, [path])
        guard case .array(let rows) = try JSONParser.parse(text) else { return [] }
        return rows.map { row in
            guard case .array(let cells) = row else { return [] }
            return cells.map { if case .string(let text) = $0 { text } else { "?" } }
        }
    }
}

import Foundation
import PromptmillCore
import PromptmillSimulator

/// Many rows per request (`pack`): a classification job with short rows on the Responses
/// API, simulator at 500 RPM and 2,000,000 TPM answering in 0.5 s, with a JSON schema.
///
/// - 20,000 rows with `pack: 20`: 1,000 requests; the bound is what 500 RPM allows past the
///   first minute's full bucket: (1,000 − 500) / 500 minutes.
/// - The same job unpacked is bound to (20,000 − 500) / 500 minutes (39 min); it runs on a
///   slice (1,000 rows, bound 1 min) and its answers are compared with the packed run's,
///   row by row: each row must get the same `json` either way.
///
///     promptmill-bench pack [ROWS] [SLICE]
enum PackBenchmark {
    static let rpm = 500
    static let tpm = 2_000_000

    static func run(arguments: [String]) async throws {
        let rows = arguments.first.flatMap(Int.init) ?? 20_000
        let slice = arguments.dropFirst().first.flatMap(Int.init) ?? 1_000
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("promptmill-pack-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let words = ["great kettle, love it", "broke after a week, awful", "arrived on time", "the lid is loose", "perfect fit, recommend"]
        let lines = (1...rows).map { "{\"id\":\"r\($0)\",\"text\":\"review \($0): \(words[$0 % words.count])\"}" }
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory + "/rows.jsonl", atomically: true, encoding: .utf8)
        try (lines.prefix(slice).joined(separator: "\n") + "\n").write(toFile: directory + "/slice.jsonl", atomically: true, encoding: .utf8)

        let packed = try await scenario(directory: directory, input: "rows.jsonl", pack: 20, requests: (rows + 19) / 20)
        let alone = try await scenario(directory: directory, input: "slice.jsonl", pack: 1, requests: slice)
        let unpackedBound = bound(requests: rows)
        print(
            String(
                format: "%d rows unpacked: bound %.1f s (%.1f min); packed ran %.1fx sooner than that bound (%.2f s)",
                rows, unpackedBound, unpackedBound / 60, unpackedBound / packed.seconds, packed.seconds))
        // Every row of the slice: the same answer packed and alone.
        var same = 0
        var differ: [String] = []
        for (id, json) in alone.answers {
            if packed.answers[id] == json { same += 1 } else if differ.count < 3 { differ.append(id) }
        }
        print("answers: \(same) of \(alone.answers.count) slice rows the same packed and alone" + (differ.isEmpty ? "" : "; differ: \(differ)"))
    }

    /// Seconds 500 RPM needs for `requests`, the first minute's bucket sent at once.
    static func bound(requests: Int) -> Double {
        Double(max(0, requests - rpm)) / Double(rpm) * 60
    }

    static func scenario(directory: String, input: String, pack: Int, requests: Int) async throws -> (seconds: Double, answers: [String: JSONValue]) {
        let scratch = directory + "/pack-\(pack)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let pipeline = """
            name: bench-pack
            input: {path: \(directory)/\(input), id: id}
            endpoint: responses
            model: gpt-5-mini
            instructions: Label the sentiment of the review.
            prompt: "{{text}}"
            pack: \(pack)
            params:
              max_output_tokens: 40
              reasoning: {effort: minimal}
              text:
                format:
                  type: json_schema
                  name: label
                  strict: true
                  schema:
                    type: object
                    properties: {sentiment: {type: string, enum: [positive, negative, neutral]}}
                    required: [sentiment]
                    additionalProperties: false
            output: {path: \(scratch)/out.jsonl.gz}
            """
        try pipeline.write(toFile: scratch + "/pipeline.yaml", atomically: true, encoding: .utf8)
        var simulated = SimulatorConfiguration()
        simulated.requestsPerMinute = rpm
        simulated.tokensPerMinute = tpm
        simulated.latency = .milliseconds(500)
        let run = try await SimulatedRun(pipeline: scratch + "/pipeline.yaml", simulator: simulated, scratch: scratch)
        let bound = bound(requests: requests)
        print(
            String(
                format: "pack %d: %d rows, %d answered, %d failed; %d requests; elapsed %.2f s; bound %.2f s (%+.2f%%); 429s %d; complete %@",
                pack, run.report.statistics.items, run.report.statistics.succeeded, run.report.statistics.failed, run.served.requests,
                run.seconds, bound, bound > 0 ? (run.seconds / bound - 1) * 100 : .infinity, run.served.rateLimited,
                run.report.complete ? "yes" : "no"))
        var answers: [String: JSONValue] = [:]
        let bytes = try GzipMemberWriter.decompressAll(path: scratch + "/out.jsonl.gz")
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard case .object(let record) = try Array(line).withUnsafeBytes({ try JSONParser.parse($0) }),
                case .string(let id)? = record["id"]
            else { continue }
            answers[id] = record["json"] ?? .null
        }
        return (run.seconds, answers)
    }
}

import Foundation
import PromptmillCore

/// Reads and renders a large generated input through the same path a run uses (reader, ids,
/// template), and prints rows/s, MB/s and the process's peak RSS.
///
///     promptmill-bench input generate DIR SIZE_MB   # writes DIR/rows.jsonl and DIR/rows.csv
///     promptmill-bench input measure DIR/rows.jsonl # one format per process, so RSS is its own
enum InputBenchmark {
    static func run(arguments: [String]) throws {
        switch (arguments.first, arguments.count) {
        case ("generate", 3):
            try generate(directory: arguments[1], megabytes: Int(arguments[2]) ?? 1024)
        case ("generate-rows", 3):
            try generate(directory: arguments[1], megabytes: 10_000_000, rows: Int(arguments[2]) ?? 1_000_000)
        case ("measure", 2):
            try measure(path: arguments[1], idField: nil)
        case ("measure", 4) where arguments[2] == "--id":
            try measure(path: arguments[1], idField: arguments[3])
        default:
            throw BenchmarkError.usage("promptmill-bench input generate DIR SIZE_MB | input generate-rows DIR ROWS | input measure FILE [--id FIELD]")
        }
    }

    /// With `idField`, ids come from that field and duplicates are checked (every id is held
    /// in memory); without, ids are row numbers, the default.
    static func measure(path: String, idField: String?) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let pipeline = directory + "/bench-input.yaml"
        let yaml = """
            name: bench-input
            input: {path: \((path as NSString).lastPathComponent)\(idField.map { ", id: \($0)" } ?? "")}
            endpoint: completions
            model: gpt-3.5-turbo-instruct
            prompt: "Classify the sentiment of this {{product}} review ({{rating}} stars).\\nReview: {{text}}\\nSentiment:"
            output: {path: bench-out.jsonl.gz, include: [id, product]}
            """
        try yaml.write(toFile: pipeline, atomically: true, encoding: .utf8)
        let configuration = try PipelineLoader.load(path: pipeline, environment: [:])
        let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.doubleValue ?? 0
        let clock = ContinuousClock()
        let start = clock.now
        var preparer = try RowPreparer(configuration: configuration)
        var rows = 0, bad = 0, promptBytes = 0
        while let result = try preparer.next() {
            switch result {
            case .row(let row):
                rows += 1
                promptBytes &+= row.prompt.utf8.count
            case .bad:
                bad += 1
            }
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let peakMB = PeakMemory.megabytes()
        let format = (path.hasSuffix(".csv") ? "csv" : "jsonl") + (idField == nil ? "" : " (ids from '\(idField!)', checked for duplicates)")
        print(
            String(
                format: "%@: %d rows (%d bad), %.0f MB in %.2f s: %.0f rows/s, %.1f MB/s, peak RSS %.1f MB (prompt bytes %d)",
                format, rows, bad, bytes / 1e6, seconds, Double(rows) / seconds, bytes / 1e6 / seconds,
                peakMB, promptBytes))
    }

    /// Writes rows.jsonl and rows.csv of `megabytes` each, or of `rows` rows each.
    static func generate(directory: String, megabytes: Int, rows limit: Int = .max) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let target = megabytes * 1_000_000
        let products = ["kettle", "toaster", "blender", "lamp", "headphones", "backpack", "café grinder", "desk chair"]
        let phrases = [
            "Arrived quickly and works exactly as described, would buy again",
            "The lid broke after a week, which is \"not great\" for the price",
            "Solid build, quiet, and the cable is long enough; a little heavy",
            "Returned it: the colour was off, and support never answered",
            "Naïve design choices, but it does the job — five stars from my café",
            "Loved it at first, then the button stopped working, sadly",
        ]
        var random = SplitMix64(seed: 7)
        var jsonl = try FileWriter(path: directory + "/rows.jsonl")
        var csv = try FileWriter(path: directory + "/rows.csv")
        csv.append("id,product,rating,text\n")
        var row = 0
        while (jsonl.written < target || csv.written < target) && row < limit {
            row += 1
            let product = products[Int(random.next() % UInt64(products.count))]
            let rating = Int(random.next() % 5) + 1
            var text = phrases[Int(random.next() % UInt64(phrases.count))]
            text += ". " + phrases[Int(random.next() % UInt64(phrases.count))] + " (order \(random.next() % 1_000_000))."
            if jsonl.written < target {
                var writer = JSONWriter(capacity: 512)
                writer.value(
                    .object(
                        JSONObject(
                            keys: ["id", "product", "rating", "text"],
                            values: [.string("r-\(row)"), .string(product), .number(String(rating)), .string(text)])))
                writer.byte(UInt8(ascii: "\n"))
                jsonl.append(writer.bytes)
            }
            if csv.written < target {
                let quoted = "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + (row % 10 == 0 ? "\nSecond line." : "") + "\""
                csv.append("r-\(row),\(product),\(rating),\(quoted)\n")
            }
        }
        try jsonl.close()
        try csv.close()
        print("wrote \(directory)/rows.jsonl (\(jsonl.written / 1_000_000) MB) and rows.csv (\(csv.written / 1_000_000) MB), \(row) rows")
    }
}

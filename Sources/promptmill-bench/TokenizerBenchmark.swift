import Foundation
import PromptmillTokenizer

/// Times promptmill's tokenizer on a text file, one thread, best of five runs per encoding.
/// Prints `ENCODING MB/s TOKENS` lines (bench/tokenizer.sh sets them beside tiktoken's).
enum TokenizerBenchmark {
    static func run(arguments: [String]) throws {
        guard let path = arguments.first, let data = FileManager.default.contents(atPath: path) else {
            throw BenchmarkError.usage("promptmill-bench tokenizer FILE")
        }
        let text = String(decoding: data, as: UTF8.self)
        let megabytes = Double(data.count) / 1e6
        let clock = ContinuousClock()
        for encoding in TokenEncoding.allCases {
            let tokenizer = try Tokenizer.shared(encoding)
            var best = Duration.seconds(1_000_000)
            var tokens = 0
            for _ in 0..<5 {
                let start = clock.now
                tokens = tokenizer.encode(text).count
                best = min(best, clock.now - start)
            }
            let seconds = Double(best.components.seconds) + Double(best.components.attoseconds) / 1e18
            print(String(format: "%@ %.2f %d", encoding.rawValue, megabytes / seconds, tokens))
        }
    }
}

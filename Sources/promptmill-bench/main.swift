import Foundation

/// Benchmarks whose figures the README's performance table quotes.
/// `promptmill-bench tokenizer ...`, `promptmill-bench input ...`.
let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "tokenizer":
        try TokenizerBenchmark.run(arguments: Array(arguments.dropFirst()))
    case "input":
        try InputBenchmark.run(arguments: Array(arguments.dropFirst()))
    default:
        FileHandle.standardError.write(Data("usage: promptmill-bench tokenizer|input [options]\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("promptmill-bench: \(error)\n".utf8))
    exit(1)
}

import Foundation
import PromptmillCore

/// Benchmarks whose figures the README's performance table quotes:
/// `promptmill-bench tokenizer|input|ratelimit|failures|steps|quota|pack ...`.
let arguments = Array(CommandLine.arguments.dropFirst())
OpenFileLimit.raiseToHardLimit()
do {
    switch arguments.first {
    case "failures":
        try await FailureBenchmark.run(arguments: Array(arguments.dropFirst()))
    case "ratelimit":
        try await RateLimitBenchmark.run(arguments: Array(arguments.dropFirst()))
    case "quota":
        try await QuotaBenchmark.run(arguments: Array(arguments.dropFirst()))
    case "pack":
        try await PackBenchmark.run(arguments: Array(arguments.dropFirst()))
    case "steps":
        try await StepsBenchmark.run(arguments: Array(arguments.dropFirst()))
    case "tokenizer":
        try TokenizerBenchmark.run(arguments: Array(arguments.dropFirst()))
    case "input":
        try InputBenchmark.run(arguments: Array(arguments.dropFirst()))
    default:
        FileHandle.standardError.write(Data("usage: promptmill-bench tokenizer|input|ratelimit|failures|steps|quota|pack [options]\n".utf8))
        exit(2)
    }
} catch {
    FileHandle.standardError.write(Data("promptmill-bench: \(error)\n".utf8))
    exit(1)
}

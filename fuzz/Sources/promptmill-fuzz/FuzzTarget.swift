#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The readers of outside text that promptmill fuzzes, one per run of the harness.
enum FuzzTarget: String, CaseIterable {
    /// `RowReader` on a CSV file, and `CSVRecordScanner` cut at every kind of buffer end.
    case csv
    /// `RowReader` on a JSONL file.
    case jsonl
    /// `JSONParser.parse`, and the parsed value written and parsed again.
    case json
    /// `PromptTemplate(parsing:)` and `render`.
    case template
    /// `PipelineLoader.validate` (which loads) on a pipeline YAML file.
    case pipeline
    /// `StreamedAnswer.whole`: a streamed chat or responses answer put back together.
    case stream

    /// The target named by `PROMPTMILL_FUZZ_TARGET`; the process exits when it names none.
    static let selected: FuzzTarget = {
        let name = getenv("PROMPTMILL_FUZZ_TARGET").map { String(cString: $0) } ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            let names = allCases.map(\.rawValue).joined(separator: ", ")
            var message = "promptmill-fuzz: set PROMPTMILL_FUZZ_TARGET to one of: \(names) (found '\(name)')\n"
            message.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
            exit(2)
        }
        return target
    }()

    func run(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .csv:
            RowReaderFuzzer.run(bytes, format: .csv)
            CSVScannerPrefixCheck.run(bytes)
        case .jsonl: RowReaderFuzzer.run(bytes, format: .jsonl)
        case .json: JSONParserFuzzer.run(bytes)
        case .template: PromptTemplateFuzzer.run(bytes)
        case .pipeline: PipelineLoaderFuzzer.run(bytes)
        case .stream: StreamedAnswerFuzzer.run(bytes)
        }
    }
}

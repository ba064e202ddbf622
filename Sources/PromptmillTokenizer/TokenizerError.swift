/// A rank file that cannot be used.
public enum TokenizerError: Error, Sendable, CustomStringConvertible {
    case missingRankFile(String)
    case checksumMismatch(file: String, expected: String, found: String)
    case malformedRankFile(file: String, line: Int)

    public var description: String {
        switch self {
        case .missingRankFile(let file):
            "the tokenizer's rank file \(file) is missing from this build — reinstall promptmill"
        case .checksumMismatch(let file, let expected, let found):
            "the tokenizer's rank file \(file) is damaged (sha256 \(found), expected \(expected)) — reinstall promptmill"
        case .malformedRankFile(let file, let line):
            "the tokenizer's rank file \(file) cannot be read at line \(line) — reinstall promptmill"
        }
    }
}

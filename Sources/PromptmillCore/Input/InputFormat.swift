/// The kinds of input file promptmill reads.
public enum InputFormat: String, Sendable, CaseIterable {
    case jsonl
    case csv

    /// From the file name: `.jsonl`/`.ndjson`/`.csv`, optionally followed by `.gz`.
    public static func from(path: String) -> InputFormat? {
        var name = path.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") { return .jsonl }
        if name.hasSuffix(".csv") { return .csv }
        return nil
    }
}

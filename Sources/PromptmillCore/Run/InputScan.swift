/// Reads the whole input once and renders every row, without sending anything: what
/// `validate` reports and what `run` checks before the first request.
///
/// Ids are checked for repeats in about 6 bytes an id: the first pass keeps 56 bits of each
/// id's hash (`IDFingerprints`). Only when a fingerprint repeats (a duplicate, or two ids
/// sharing one: odds of about 1 in 1,400 for ten million ids) does a second pass read the
/// input again, keeping the ids behind those fingerprints as they are.
public struct InputScan: Sendable {
    public var rows = 0
    public var badRows = 0
    /// The first bad rows found, in file order (at most `limit` of them).
    public var problems: [InputProblem] = []
    /// The rows, by number, whose id an earlier row has, each with that row's line: what
    /// the run's reader refuses without keeping any id.
    public var duplicates: [Int: Int] = [:]

    public static func scan(_ configuration: PipelineConfiguration, limit: Int = 50) throws(InputError) -> InputScan {
        var (scan, repeated) = try pass(configuration, duplicates: .fingerprints, limit: limit)
        if !repeated.isEmpty { (scan, _) = try pass(configuration, duplicates: .among(repeated), limit: limit) }
        #if canImport(Glibc)
        // The fingerprints were 65,536 small blocks (60 MB for ten million ids): glibc keeps
        // them resident once freed, under the run's own memory, unless asked to give them back.
        _ = mallocTrim(0)
        #endif
        return scan
    }

    private static func pass(
        _ configuration: PipelineConfiguration, duplicates: RowPreparer.DuplicateCheck, limit: Int
    ) throws(InputError) -> (InputScan, repeated: Set<UInt64>) {
        var scan = InputScan()
        var preparer = try RowPreparer(configuration: configuration, duplicates: duplicates)
        while let result = try preparer.next() {
            switch result {
            case .row:
                scan.rows += 1
            case .bad(let problem):
                scan.badRows += 1
                if scan.problems.count < limit { scan.problems.append(problem) }
            }
        }
        scan.duplicates = preparer.duplicateRows
        return (scan, preparer.repeatedFingerprints)
    }
}

#if canImport(Glibc)
/// glibc's `malloc_trim`, which the Glibc module does not export.
@_silgen_name("malloc_trim")
private func mallocTrim(_ pad: Int) -> Int32
#endif

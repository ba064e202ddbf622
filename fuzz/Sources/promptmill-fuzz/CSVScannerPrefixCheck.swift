@testable import PromptmillCore

/// `RowReader` hands `CSVRecordScanner` what it has read so far, in 1 MiB chunks, so a record
/// can be cut anywhere: in a quoted field, between the CR and LF of a CRLF, after a closing
/// quote. Fuzz inputs are far smaller than a chunk, so this check cuts them itself.
///
/// Walking the input record by record, a scan of the bytes up to a cut (not at the end of the
/// input) must either ask for more or give exactly the record, fields and line count that a
/// scan of the whole input gives.
enum CSVScannerPrefixCheck {
    static func run(_ raw: UnsafeRawBufferPointer) {
        let bytes = raw.bindMemory(to: UInt8.self)
        var whole = CSVRecordScanner()
        var cut = CSVRecordScanner()
        var position = 0
        // A fixed sequence of cut points, so a finding reproduces from its input alone.
        var random = UInt64(truncatingIfNeeded: bytes.count) &* 0x9E37_79B9_7F4A_7C15 | 1
        while position < bytes.count {
            let outcome = whole.scan(bytes, from: position, atEndOfInput: true)
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let remaining = bytes.count - position
            for end in [position + 1 + Int((random >> 33) % UInt64(remaining)), bytes.count] {
                let prefix = UnsafeBufferPointer(rebasing: bytes[0..<end])
                let early = cut.scan(prefix, from: position, atEndOfInput: false)
                if case .needMore = early { continue }
                let earlySeen = Seen(early, cut, prefix, from: position)
                let wholeSeen = Seen(outcome, whole, bytes, from: position)
                precondition(earlySeen == wholeSeen, "a scan cut at byte \(end) gave \(earlySeen), the whole input \(wholeSeen)")
            }
            switch outcome {
            case .needMore:
                preconditionFailure("a scan at the end of the input asked for more")
            case .record(let end, _), .problem(_, let end, _):
                precondition(end > position, "a scan at byte \(position) did not move")
                position = end
            }
        }
    }

    /// What a scan found, in a form that compares.
    private struct Seen: Equatable {
        var end = -1
        var newlines = -1
        var fields: [String] = []
        var problem: String?

        init(_ outcome: CSVRecordScanner.Outcome, _ scanner: CSVRecordScanner, _ bytes: UnsafeBufferPointer<UInt8>, from start: Int) {
            switch outcome {
            case .needMore:
                break
            case .record(let end, let newlines):
                self.end = end
                self.newlines = newlines
                fields = scanner.fields(in: UnsafeBufferPointer(rebasing: bytes[start..<end]))
            case .problem(let reason, let end, let newlines):
                self.end = end
                self.newlines = newlines
                problem = reason
            }
        }
    }
}

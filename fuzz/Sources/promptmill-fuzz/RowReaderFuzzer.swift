import PromptmillCore

/// Reads a fuzz input as a whole CSV or JSONL file through `RowReader`, as a run does.
///
/// Besides not crashing, the reader must end: it gives at most one result per byte (plus one)
/// of what it reads, numbers them 1, 2, 3… and starts each on a later line than the one before.
/// A gzip input is read decompressed, and deflate writes at most 1,032 bytes per byte it reads.
enum RowReaderFuzzer {
    static func run(_ bytes: UnsafeRawBufferPointer, format: InputFormat) {
        let path = ScratchDirectory.shared.place(bytes, as: "input.\(format.rawValue)")
        let reader: RowReader
        do {
            reader = try RowReader(path: path, format: format, displayName: "input.\(format.rawValue)")
        } catch {
            precondition(!error.description.isEmpty)
            return
        }
        let isGzip = bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
        let maximumResults = (bytes.count + 1) * (isGzip ? 1032 : 1)
        var results = 0
        var lastLine = 0
        while true {
            let result: RowReadResult?
            do {
                result = try reader.next()
            } catch {
                precondition(!error.description.isEmpty)
                return
            }
            guard let result else { return }
            results += 1
            precondition(results <= maximumResults, "the reader gave more results than it read bytes")
            switch result {
            case .row(let row):
                precondition(row.number == results, "row \(row.number) is result \(results)")
                precondition(row.line > lastLine, "row on line \(row.line) after one on line \(lastLine)")
                lastLine = row.line
                var writer = JSONWriter()
                writer.value(.object(row.fields))
            case .bad(let problem):
                precondition(problem.line > lastLine, "bad row on line \(problem.line) after one on line \(lastLine)")
                lastLine = problem.line
                precondition(!problem.description.isEmpty)
            }
        }
    }
}

/// The input's side of the export's columns, found before the first row is written.
///
/// A CSV input's columns are its header: the first good row has exactly them, so only that
/// row is read. A JSONL input's rows may each have other fields: for a CSV export the whole
/// input is read once first, and its columns are every top-level field name in the order
/// first met; for a JSONL export (each row writes its own fields) that read only looks for
/// names that clash with an answer column.
struct InputColumns {
    /// The most input columns a CSV export takes.
    static let limit = 10_000

    var names: [String] = []
    /// Input field names that clash with an answer column (see `ExportColumns`).
    var clashing: Set<String> = []

    static func scan(
        _ configuration: PipelineConfiguration, format: ExportFormat, answer: [String]
    ) throws(ExportError) -> InputColumns {
        var columns = InputColumns()
        let answerNames = Set(answer)
        let reader: RowReader
        do {
            reader = try RowReader(
                path: configuration.input.path, format: configuration.input.format, displayName: configuration.input.displayPath,
                delimiter: configuration.input.delimiter)
        } catch {
            throw .input(error)
        }
        var seen = Set<String>()
        do {
            while let read = try reader.next() {
                guard case .row(let row) = read else { continue }
                for name in row.fields.keys where !seen.contains(name) {
                    seen.insert(name)
                    if ExportColumns.mayClash(name, with: answerNames) { columns.clashing.insert(name) }
                    if format == .csv {
                        guard columns.names.count < limit else {
                            throw ExportError.tooManyColumns(
                                what: "the rows of \(configuration.input.displayPath)", limit: limit,
                                advice: "export with --format jsonl, which writes each row's own fields")
                        }
                        columns.names.append(name)
                    }
                }
                if configuration.input.format == .csv { break }
                // A JSONL export keeps only the names that clash: nothing grows with rows.
                if format == .jsonl { seen.removeAll(keepingCapacity: true) }
            }
        } catch let error as ExportError {
            throw error
        } catch let error as InputError {
            throw .input(error)
        } catch {
            throw .input(.readFailed(file: configuration.input.displayPath, reason: "\(error)"))
        }
        return columns
    }
}

import Foundation

/// `promptmill export`: one row per input row, in input order, with the input's columns and
/// the answer's (`ExportColumns`, `AnswerColumns`), as CSV or JSONL (`ExportFormat`).
///
/// The output holds its records in the order they were answered, so they are first indexed
/// by id in a temporary SQLite file (`SQLiteRecordIndex`, in `temporaryDirectory`, deleted
/// at the end; it takes about the output's uncompressed size on disk); then the input is
/// read with the run's own reader and configuration, so each row's id is the one the run
/// gave it (the row number when `input.id` is not set), and each row looks its record up.
/// Memory stays the same whatever the number of rows.
///
/// A row with no record is `pending`; a row the rejects file (`OUTPUT.rejects.jsonl`)
/// names, or that the reader finds bad, is `rejected`, with the reason in `error_message`.
public struct ResultsExporter {
    public struct Options: Sendable {
        public var format: ExportFormat
        /// The file to write; nil: standard output.
        public var destination: String?
        /// Where the temporary index goes; nil: the folder of the job's output.
        public var temporaryDirectory: String?
        /// CSV only: start with a UTF-8 byte order mark, which Excel needs to read the file
        /// as UTF-8 when it is opened with a double click (without it, the system's code page).
        public var byteOrderMark: Bool

        public init(format: ExportFormat, destination: String? = nil, temporaryDirectory: String? = nil, byteOrderMark: Bool = false) {
            self.format = format
            self.destination = destination
            self.temporaryDirectory = temporaryDirectory
            self.byteOrderMark = byteOrderMark
        }
    }

    let configuration: PipelineConfiguration
    let options: Options

    public init(configuration: PipelineConfiguration, options: Options) {
        self.configuration = configuration
        self.options = options
    }

    /// Writes the export. Throws `ExportError`: no output yet, an output or input that cannot
    /// be read, a destination that cannot be written. On a throw, a destination file keeps
    /// what it had.
    public func export() throws(ExportError) -> ExportSummary {
        let snapshot = try OutputSnapshot.locate(configuration)
        let folder = options.temporaryDirectory ?? (configuration.output.path as NSString).deletingLastPathComponent
        let index = try SQLiteRecordIndex(directory: folder)
        defer { index.close() }
        var answers = AnswerColumns()
        var summary = ExportSummary(destination: options.destination)
        summary.notes = snapshot.notes
        summary.records = try load(snapshot, into: index, answers: &answers)
        try loadRejects(into: index)
        try index.finishLoading()
        let input = try InputColumns.scan(configuration, format: options.format, answer: answers.names)
        let columns = ExportColumns(
            input: options.format == .csv ? input.names : [], inputNamesThatClash: input.clashing, answer: answers.names)
        summary.columns = columns.all
        let destination = try options.destination.map { path throws(ExportError) in try ExportDestination(path: path) } ?? ExportDestination()
        do {
            try write(columns: columns, answers: answers, index: index, to: destination, summary: &summary)
            try destination.commit()
        } catch {
            destination.discard()
            throw error
        }
        summary.unmatchedRecords = try index.untakenCount()
        if summary.unmatchedRecords > 0 {
            summary.notes.append(
                "\(summary.unmatchedRecords) record\(summary.unmatchedRecords == 1 ? "" : "s") of the output match no row of the input by id, and are not in the export — did the input change since the run?"
            )
        }
        return summary
    }

    /// Indexes the output's records by id and notes the answer columns they need; returns
    /// how many there are.
    private func load(_ snapshot: OutputSnapshot, into index: SQLiteRecordIndex, answers: inout AnswerColumns) throws(ExportError) -> Int {
        let display = configuration.output.displayPath
        var count = 0
        do {
            let lines = try OutputRecordLines(path: snapshot.path, length: snapshot.length)
            try lines.forEach { line in
                count += 1
                guard case .object(let record) = try? JSONParser.parse(UnsafeRawBufferPointer(line)), case .string(let id)? = record["id"]
                else {
                    throw ExportError.unreadableOutput(
                        path: display, reason: "record \(count) is not a JSON object with an \"id\"", pipeline: configuration.pipelinePath)
                }
                try answers.observe(record)
                try index.add(id: id, line: line)
            }
        } catch let error as ExportError {
            throw error
        } catch let error as InputError {
            let reason = if case .invalidGzip(_, let why) = error { "not a valid gzip file (\(why))" } else { error.description }
            throw .unreadableOutput(path: display, reason: reason, pipeline: configuration.pipelinePath)
        } catch {
            throw .unreadableOutput(path: display, reason: "\(error)", pipeline: configuration.pipelinePath)
        }
        return count
    }

    /// The rows `on_bad_row: skip` left out, by line, from the rejects file (if any).
    private func loadRejects(into index: SQLiteRecordIndex) throws(ExportError) {
        let path = configuration.output.rejectsPath
        guard FileManager.default.fileExists(atPath: path), let reader = try? RowReader(path: path, format: .jsonl, displayName: path) else {
            return
        }
        while let read = try? reader.next() {
            guard case .row(let row) = read, case .number(let digits)? = row.fields["line"], let line = Int(digits),
                case .string(let reason)? = row.fields["reason"]
            else { continue }
            try index.addReject(line: line, message: InputProblem(file: configuration.input.displayPath, line: line, reason: reason).description)
        }
    }

    /// Streams the input in its order, each row with its record.
    private func write(
        columns: ExportColumns, answers: AnswerColumns, index: SQLiteRecordIndex, to destination: ExportDestination,
        summary: inout ExportSummary
    ) throws(ExportError) {
        let input = configuration.input
        var encoder = ExportRowEncoder(format: options.format, columns: columns, inputIsCSV: input.format == .csv)
        try destination.withBuffer { buffer in
            if options.byteOrderMark, options.format == .csv { buffer += [0xEF, 0xBB, 0xBF] }
            encoder.header(into: &buffer)
        }
        let reader: RowReader
        do {
            reader = try RowReader(path: input.path, format: input.format, displayName: input.displayPath, delimiter: input.delimiter)
        } catch {
            throw .input(error)
        }
        while true {
            let read: RowReadResult
            do {
                guard let next = try reader.next() else { break }
                read = next
            } catch {
                throw .input(error)
            }
            let fields: JSONObject?
            let values: [JSONValue]
            switch read {
            case .bad(let problem):
                fields = nil
                values = answers.values(status: .rejected, message: try index.reject(line: problem.line) ?? problem.description)
            case .row(let row):
                fields = row.fields
                values = try answer(for: row, answers: answers, index: index)
            }
            summary.count(values[0])
            try destination.withBuffer { encoder.row(input: fields, answer: values, into: &$0) }
        }
    }

    /// A good row's answer values: its record's, or why it has none.
    private func answer(for row: InputRow, answers: AnswerColumns, index: SQLiteRecordIndex) throws(ExportError) -> [JSONValue] {
        let input = configuration.input
        if let message = try index.reject(line: row.line) { return answers.values(status: .rejected, message: message) }
        guard let id = row.jobID(field: input.idField) else {
            let reason = "the id field '\(input.idField ?? "")' is missing, empty or not a string or number (input.id)"
            return answers.values(status: .rejected, message: InputProblem(file: input.displayPath, line: row.line, reason: reason).description)
        }
        switch try index.take(id: id) {
        case .record(let line):
            guard case .object(let record) = try? line.withUnsafeBytes({ try JSONParser.parse($0) }) else {
                // Parsed once already when it was indexed.
                throw .index(path: index.path, reason: "the record of id '\(id)' came back unreadable")
            }
            return answers.values(of: record)
        case .taken:
            let reason = "duplicate id '\(id)' — an earlier row has it and its record"
            return answers.values(status: .rejected, message: InputProblem(file: input.displayPath, line: row.line, reason: reason).description)
        case .missing:
            return answers.values(status: .pending, message: nil)
        }
    }
}

/// Turns input rows into prepared rows: the id, the rendered prompt and the copied fields.
///
/// Bad rows (unreadable, no id, a duplicate id, a field the template needs) come back as
/// problems; the caller stops or skips by the pipeline's `on_bad_row`.
public struct RowPreparer {
    public enum Result {
        case row(PreparedRow)
        case bad(InputProblem)
    }

    /// How the preparer finds rows whose id an earlier row has.
    public enum DuplicateCheck: Sendable {
        /// Every id's 64-bit hash kept with its first line: 16 to 24 bytes an id. Two
        /// different ids share a hash with odds of about 1 in 10^7 for a million rows.
        case everyID
        /// A scan's first pass: 56 bits of each id's hash (`IDFingerprints`, about 6 bytes
        /// an id). A repeat is not reported, only collected in `repeatedFingerprints`: it may
        /// be two different ids.
        case fingerprints
        /// A scan's second pass: ids whose fingerprint is among these are kept as they are,
        /// and a repeat of one of them is reported.
        case among(Set<UInt64>)
        /// What a scan found: the rows, by number, whose id an earlier row has, each with
        /// that row's line. No id is kept.
        case known([Int: Int])
    }

    private let configuration: PipelineConfiguration
    private let reader: RowReader
    private let check: DuplicateCheck
    /// `.everyID`: first line of every id seen, by a 64-bit hash of the id.
    private var seenIDs: [UInt64: Int32] = [:]
    /// `.fingerprints`.
    private var fingerprints: IDFingerprints?
    /// `.fingerprints`: fingerprints met more than once.
    public private(set) var repeatedFingerprints: Set<UInt64> = []
    /// `.among`: first line of each id whose fingerprint is among those asked about.
    private var exactIDs: [String: Int] = [:]
    /// `.everyID` and `.among`: the rows found repeating an earlier row's id, with its line.
    public private(set) var duplicateRows: [Int: Int] = [:]
    private var prompt = ""
    /// Chunked reads: the row read past a chunk's end, and the last row number read.
    private var held: InputRow?
    private var lastRowNumber = 0

    /// Keep each row's fields on the prepared row as its `context` (later steps render from
    /// them, and `when` conditions read them).
    var keepFields = false

    public init(configuration: PipelineConfiguration, duplicates: DuplicateCheck = .everyID) throws(InputError) {
        self.configuration = configuration
        check = duplicates
        if case .fingerprints = duplicates { fingerprints = IDFingerprints() }
        reader = try RowReader(
            path: configuration.input.path, format: configuration.input.format,
            displayName: configuration.input.displayPath, delimiter: configuration.input.delimiter)
    }

    /// Compressed bytes read so far, for progress.
    public var bytesRead: UInt64 { reader.bytesRead }

    public mutating func next() throws(InputError) -> Result? {
        try next(skipping: nil)
    }

    /// Like `next()`, but rows in `skip` (by row number) are passed over unrendered: their
    /// ids still count toward duplicates.
    public mutating func next(skipping skip: RowSet?) throws(InputError) -> Result? {
        while let read = try reader.next() {
            switch read {
            case .bad(let problem):
                return .bad(problem)
            case .row(let row):
                if let result = prepare(row, skip: skip) { return result }
            }
        }
        return nil
    }

    /// Reads one worker's claimed chunk of rows (`rows`, row numbers, half-open): like
    /// `next(skipping:)`, but rows before the chunk are passed over unrendered, and the first
    /// row at or past its end ends the chunk (nil) and is read again by the next call. A bad
    /// row the reader meets belongs to the chunk of the row before it (the first chunk when
    /// none is), so each is reported by exactly one worker. Call with ascending chunks; for
    /// a chunk before `nextRowNumber`, read the input again with a new preparer.
    public mutating func next(skipping skip: RowSet?, within rows: Range<Int>) throws(InputError) -> Result? {
        while true {
            let read: RowReadResult
            if let row = held {
                held = nil
                read = .row(row)
            } else {
                guard let next = try reader.next() else { return nil }
                read = next
            }
            switch read {
            case .bad(let problem):
                if rows.contains(max(lastRowNumber, 1)) { return .bad(problem) }
            case .row(let row):
                if row.number >= rows.upperBound {
                    held = row
                    return nil
                }
                lastRowNumber = row.number
                if row.number >= rows.lowerBound, let result = prepare(row, skip: skip) { return result }
            }
        }
    }

    /// The number of the next row a chunked read hands out (1 at the start).
    public var nextRowNumber: Int { held?.number ?? lastRowNumber + 1 }

    private mutating func prepare(_ row: InputRow, skip: RowSet?) -> Result? {
        let file = configuration.input.displayPath
        let id: String
        if let field = configuration.input.idField {
            switch row.fields[field] {
            case .string(let text)? where !text.isEmpty: id = text
            case .number(let digits)?: id = digits
            case nil:
                return .bad(InputProblem(file: file, line: row.line, reason: "the row has no id field '\(field)' (input.id)"))
            default:
                return .bad(InputProblem(file: file, line: row.line, reason: "the id field '\(field)' must be a non-empty string or a number"))
            }
            if let first = firstLine(of: id, row: row) {
                return .bad(
                    InputProblem(file: file, line: row.line, reason: "duplicate id '\(id)' (first on line \(first)) — ids in input.id must be unique")
                )
            }
        } else {
            id = String(row.number)
        }
        if let skip, skip.contains(row.number) { return nil }
        var rendered: Rendered
        do {
            rendered = try Self.render(configuration.template, instructions: configuration.instructions, fields: row.fields, into: &prompt)
        } catch {
            return .bad(InputProblem(file: file, line: row.line, reason: error.reason))
        }
        var user: String?
        do {
            user = try configuration.userField.map { field throws(RenderError) in try EndUser.id(in: row.fields, field: field) }
        } catch {
            return .bad(InputProblem(file: file, line: row.line, reason: error.reason))
        }
        var input = JSONObject()
        for field in configuration.output.include {
            input.append(field, FieldPath(field).lookUp(in: row.fields) ?? .null)
        }
        var prepared = PreparedRow(number: row.number, line: row.line, id: id, prompt: rendered.prompt, input: input)
        prepared.messages = rendered.messages
        prepared.instructions = rendered.instructions
        prepared.user = user
        if keepFields {
            var context = row.fields
            context.append("steps", .object(JSONObject()))
            prepared.context = context
        }
        return .row(prepared)
    }

    /// The line of the earlier row with this row's id, if one has it (as `check` can tell).
    private mutating func firstLine(of id: String, row: InputRow) -> Int? {
        if case .known(let rows) = check { return rows[row.number] }
        var hasher = Hasher()
        hasher.combine(id)
        let hash = UInt64(bitPattern: Int64(hasher.finalize()))
        let first: Int?
        switch check {
        case .everyID:
            first = seenIDs[hash].map(Int.init)
            if first == nil { seenIDs[hash] = Int32(truncatingIfNeeded: row.line) }
        case .fingerprints:
            if !fingerprints!.insert(hash) { repeatedFingerprints.insert(hash & IDFingerprints.mask) }
            return nil
        case .among(let repeated):
            guard repeated.contains(hash & IDFingerprints.mask) else { return nil }
            first = exactIDs[id]
            if first == nil { exactIDs[id] = row.line }
        case .known:
            return nil
        }
        if let first { duplicateRows[row.number] = first }
        return first
    }

    /// Why a row cannot be rendered for a template.
    struct RenderError: Error {
        var reason: String
    }

    /// A row's request content, rendered.
    struct Rendered {
        /// The prompt or input text; empty for messages.
        var prompt: String
        var messages: [ChatMessage]?
        /// responses: the rendered `instructions`.
        var instructions: String?
    }

    /// Renders `template` (and `instructions`) over `fields`: the prompt or input text (into
    /// `buffer`, reused), or the chat messages.
    static func render(
        _ template: RequestTemplate, instructions: PromptTemplate? = nil, fields: JSONObject,
        into buffer: inout String
    ) throws(RenderError) -> Rendered {
        buffer.removeAll(keepingCapacity: true)
        do {
            let instructions = try instructions?.render(fields)
            switch template {
            case .prompt(let prompt):
                try prompt.render(fields, into: &buffer)
                return Rendered(prompt: buffer, instructions: instructions)
            case .messages(let templates):
                let messages = try templates.map { template throws(TemplateError) in
                    ChatMessage(role: template.role, name: template.name, content: try template.content.render(fields))
                }
                return Rendered(prompt: "", messages: messages, instructions: instructions)
            case .inputField(let field):
                switch FieldPath(field).lookUp(in: fields) {
                case .string(let text)?: return Rendered(prompt: text)
                case nil, .null?: throw RenderError(reason: "the row has no field '\(field)' (input_field)")
                default: throw RenderError(reason: "the field '\(field)' (input_field) must be text")
                }
            }
        } catch let error as RenderError {
            throw error
        } catch {
            throw RenderError(reason: "\(error)")
        }
    }
}

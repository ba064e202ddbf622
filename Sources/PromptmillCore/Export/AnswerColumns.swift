/// The answer side of an export: which columns it has, and each record's values for them.
///
/// The columns, in order: `status`, then the answer — `output` (the text, or for answers
/// that are not one text, such as `n` > 1, embeddings and moderations, its JSON), or for a
/// structured answer (a record with `json`) the fields of `json` flattened — then
/// `finish_reason`, `error_type`, `error_message`, `cost_usd` and `cached`.
///
/// Flattening: each field of the `json` object is a column by its name; a field that is
/// itself an object with fields gives a column per field, named with dots (`meta.score`);
/// anything else (a string, number, boolean, null, an array, an empty object) is one
/// column's value. A `json` that is not an object is the column `json`. The columns are
/// the fields met in the output, in the order first met; `output` is kept beside them only
/// when some record has an answer without `json`. A field named like one of the export's
/// own columns (`status`, `cost_usd`, ...) is named `json.FIELD`: the export's columns keep
/// their names and meanings whatever the schema says.
struct AnswerColumns: Sendable {
    /// The most flattened fields one export takes.
    static let limit = 2_000

    private(set) var hasJSON = false
    private(set) var hasPlainOutput = false
    /// The flattened fields of `json`, in the order first met.
    private(set) var jsonNames: [String] = []
    private var jsonIndex: [String: Int] = [:]

    /// Notes which columns a record needs. Throws when the answers name more than `limit`
    /// fields.
    mutating func observe(_ record: JSONObject) throws(ExportError) {
        if let json = record["json"] {
            hasJSON = true
            var overflow = false
            Self.flatten(json, prefix: nil) { name, _ in
                guard jsonIndex[name] == nil else { return }
                guard jsonNames.count < Self.limit else {
                    overflow = true
                    return
                }
                jsonIndex[name] = jsonNames.count
                jsonNames.append(name)
            }
            if overflow {
                throw .tooManyColumns(
                    what: "the answers' structured fields (json)", limit: Self.limit,
                    advice: "give the schema fixed properties instead of free keys")
            }
        } else if let output = record["output"], output != .null {
            hasPlainOutput = true
        }
    }

    /// The column names, before any clash with an input column is resolved.
    var names: [String] {
        var names = ["status"]
        if hasPlainOutput || !hasJSON { names.append("output") }
        names += jsonNames.map { Self.ownColumns.contains($0) ? "json." + $0 : $0 }
        names += ["finish_reason", "error_type", "error_message", "cost_usd", "cached"]
        return names
    }

    /// The export's own column names, which a structured field never takes.
    static let ownColumns: Set<String> = ["status", "output", "finish_reason", "error_type", "error_message", "cost_usd", "cached"]

    /// Where the answer's own columns start, after `status`.
    private var outputColumn: Int? { hasPlainOutput || !hasJSON ? 1 : nil }
    private var jsonStart: Int { outputColumn == nil ? 1 : 2 }

    /// A record's values, one per name in `names` (null for a column the record has nothing
    /// for).
    func values(of record: JSONObject) -> [JSONValue] {
        var values = [JSONValue](repeating: .null, count: jsonStart + jsonNames.count + 5)
        let error: JSONObject?
        if case .object(let object)? = record["error"] { error = object } else { error = nil }
        values[0] = .string(error == nil ? ExportRowStatus.succeeded.rawValue : ExportRowStatus.failed.rawValue)
        if let column = outputColumn, let output = record["output"] { values[column] = output }
        if let json = record["json"] {
            Self.flatten(json, prefix: nil) { name, value in
                if let index = jsonIndex[name] { values[jsonStart + index] = value }
            }
        }
        let tail = jsonStart + jsonNames.count
        values[tail] = record["finish_reason"] ?? .null
        values[tail + 1] = error?["type"] ?? .null
        values[tail + 2] = error?["message"] ?? .null
        values[tail + 3] = record["cost_usd"] ?? .null
        values[tail + 4] = record["cached"] ?? .null
        return values
    }

    /// The values of a row with no record: `status` says why, `message` (a rejected row's
    /// reason) goes to `error_message`, the rest are null.
    func values(status: ExportRowStatus, message: String?) -> [JSONValue] {
        var values = [JSONValue](repeating: .null, count: jsonStart + jsonNames.count + 5)
        values[0] = .string(status.rawValue)
        if let message { values[jsonStart + jsonNames.count + 2] = .string(message) }
        return values
    }

    /// Calls `body` with each flattened field of a `json` value.
    static func flatten(_ value: JSONValue, prefix: String?, _ body: (String, JSONValue) -> Void) {
        guard case .object(let object) = value, object.count > 0 else {
            body(prefix ?? "json", value)
            return
        }
        for (key, field) in zip(object.keys, object.values) {
            let name = prefix.map { $0 + "." + key } ?? key
            if case .object(let inner) = field, inner.count > 0 {
                flatten(field, prefix: name, body)
            } else {
                body(name, field)
            }
        }
    }
}

/// What an export row's `status` column says.
public enum ExportRowStatus: String, Sendable {
    /// The row has a record with an answer.
    case succeeded
    /// The row has a record with a permanent error (`error_type`, `error_message`).
    case failed
    /// The row has no record yet: the job is not finished (or a transient failure left it
    /// for the next run).
    case pending
    /// The row is bad (`on_bad_row: skip` left it out, see `OUTPUT.rejects.jsonl`):
    /// `error_message` says why, with the input's file and line.
    case rejected
}

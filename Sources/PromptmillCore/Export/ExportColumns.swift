/// The export's column names: the input's columns first, as the input has them, then the
/// answer's (`AnswerColumns`). An answer column whose name an input column has gets
/// `_answer` appended, as many times as needed to be unique (an input with a column
/// `output` exports the answer as `output_answer`); input columns are never renamed.
struct ExportColumns: Sendable {
    /// CSV: the input's columns in the order first met (a CSV input's header). JSONL: each
    /// row writes its own fields, so this is empty.
    var input: [String]
    /// The answer's columns, renamed where they clash with an input column.
    var answer: [String]

    /// The suffix an answer column gets when an input column has its name.
    static let clashSuffix = "_answer"

    init(input: [String], inputNamesThatClash: Set<String>, answer names: [String]) {
        self.input = input
        var used = inputNamesThatClash.union(input)
        answer = names.map { name in
            var unique = name
            while used.contains(unique) { unique += Self.clashSuffix }
            used.insert(unique)
            return unique
        }
    }

    /// Whether an input field's name could push an answer column to a new name: an answer
    /// column's name, with `_answer` appended any number of times.
    static func mayClash(_ name: String, with answer: Set<String>) -> Bool {
        var name = Substring(name)
        while true {
            if answer.contains(String(name)) { return true }
            guard name.hasSuffix(clashSuffix) else { return false }
            name = name.dropLast(clashSuffix.count)
        }
    }

    var all: [String] { input + answer }
}

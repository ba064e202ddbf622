/// A template that cannot be parsed, or a row that lacks a field the template inserts.
public enum TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `{{` on `templateLine` (1-based, within the template) is never closed.
    case unclosedTag(templateLine: Int)
    case emptyTag(templateLine: Int)
    /// `{{#x}}`, `{{^x}}`, `{{>x}}` and the like: promptmill's templates only insert fields.
    case unsupportedTag(String, templateLine: Int)
    /// The row has no value at `path`; `available` are the row's top-level fields.
    case missingField(path: String, available: [String])

    public var description: String {
        switch self {
        case .unclosedTag(let line):
            "'{{' on template line \(line) is never closed with '}}'"
        case .emptyTag(let line):
            "'{{}}' on template line \(line) names no field"
        case .unsupportedTag(let tag, let line):
            "'{{\(tag)}}' on template line \(line) is not supported: templates insert fields with {{field}} or {{a.b}}, nothing else"
        case .missingField(let path, let available):
            if let suggestion = path.nearest(in: available) {
                "the template inserts '\(path)', which this row does not have — did you mean '\(suggestion)'?"
            } else {
                "the template inserts '\(path)', which this row does not have (its fields: \(available.joined(separator: ", ")))"
            }
        }
    }
}

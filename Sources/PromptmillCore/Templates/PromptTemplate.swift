/// A prompt template: literal text with `{{field}}` and `{{a.b}}` insertions.
///
/// Values are inserted exactly as they are — never HTML-escaped, never trimmed. Strings
/// insert their text, numbers the digits they were written with, booleans `true`/`false`,
/// null nothing, and arrays or objects their compact JSON. `{{{x}}}` and `{{& x}}` (mustache's
/// unescaped forms) mean the same as `{{x}}`; `{{! comment}}` is dropped.
public struct PromptTemplate: Sendable, Equatable {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case field(FieldPath)
    }

    public let source: String
    let segments: [Segment]

    public init(parsing source: String) throws(TemplateError) {
        self.source = source
        segments = try Self.parse(source)
    }

    /// Every field path the template inserts, in order of first use.
    public var fieldPaths: [String] {
        var seen: [String] = []
        for case .field(let path) in segments where !seen.contains(path.text) {
            seen.append(path.text)
        }
        return seen
    }

    public func render(_ fields: JSONObject) throws(TemplateError) -> String {
        var text = ""
        try render(fields, into: &text)
        return text
    }

    /// Appends the rendered template to `text`, so a caller can reuse one buffer.
    public func render(_ fields: JSONObject, into text: inout String) throws(TemplateError) {
        for segment in segments {
            switch segment {
            case .literal(let literal):
                text += literal
            case .field(let path):
                guard let value = path.lookUp(in: fields) else {
                    throw .missingField(path: path.text, available: fields.keys)
                }
                Self.append(value, to: &text)
            }
        }
    }

    static func append(_ value: JSONValue, to text: inout String) {
        switch value {
        case .string(let string): text += string
        case .number(let digits): text += digits
        case .bool(let flag): text += flag ? "true" : "false"
        case .null: break
        case .array, .object:
            var writer = JSONWriter(capacity: 256)
            writer.value(value)
            text += String(decoding: writer.bytes, as: UTF8.self)
        }
    }

    private static func parse(_ source: String) throws(TemplateError) -> [Segment] {
        var segments: [Segment] = []
        var literal = ""
        var rest = Substring(source)
        var line = 1
        while let open = rest.range(of: "{{") {
            literal += rest[..<open.lowerBound]
            line += rest[..<open.lowerBound].count(where: { $0 == "\n" })
            let afterOpen = rest[open.upperBound...]
            let triple = afterOpen.hasPrefix("{")
            let closing = triple ? "}}}" : "}}"
            let body = triple ? afterOpen.dropFirst() : afterOpen
            guard let close = body.range(of: closing) else { throw .unclosedTag(templateLine: line) }
            var tag = body[..<close.lowerBound]
            line += tag.count(where: { $0 == "\n" })
            rest = body[close.upperBound...]
            if tag.hasPrefix("!") { continue }
            if tag.hasPrefix("&") { tag = tag.dropFirst() }
            let name = tag.trimmingSpaces()
            if name.isEmpty { throw .emptyTag(templateLine: line) }
            if let first = name.first, "#^/>=<$".contains(first) {
                throw .unsupportedTag(String(tag), templateLine: line)
            }
            if !literal.isEmpty {
                segments.append(.literal(literal))
                literal = ""
            }
            segments.append(.field(FieldPath(name)))
        }
        literal += rest
        if !literal.isEmpty { segments.append(.literal(literal)) }
        return segments
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}

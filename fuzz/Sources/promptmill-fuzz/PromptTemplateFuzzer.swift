import PromptmillCore

/// Parses a template and renders it. The input is the template's text, then optionally a NUL
/// byte and a JSON object to render against; without one, the row is made from the
/// template's own field paths, so rendering must succeed.
enum PromptTemplateFuzzer {
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let split = bytes.firstIndex(of: 0) ?? bytes.count
        let source = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<split]), as: UTF8.self)
        let template: PromptTemplate
        do {
            template = try PromptTemplate(parsing: source)
        } catch {
            precondition(!error.description.isEmpty)
            return
        }
        if split < bytes.count {
            guard case .object(let row)? = try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: bytes[(split + 1)...])) else { return }
            do {
                _ = try template.render(row)
            } catch {
                precondition(!error.description.isEmpty)
            }
            return
        }
        let kinds: [JSONValue] = [
            .string("{{x}} \u{301}é\r\n"), .number("-1.10e+3"), .bool(false), .null,
            .array([.string("\u{0}\""), .number("0")]), .object(JSONObject(keys: ["k"], values: [.null])),
        ]
        var row = JSONObject()
        for (index, path) in template.fieldPaths.enumerated() {
            row.append(path, kinds[index % kinds.count])
        }
        let rendered: String
        do {
            rendered = try template.render(row)
        } catch {
            preconditionFailure("a row with every field path of the template does not render: \(error)")
        }
        if template.fieldPaths.isEmpty, !source.utf8.contains(UInt8(ascii: "{")) {
            precondition(rendered == source, "a template with no tag renders other text than its own")
        }
    }
}

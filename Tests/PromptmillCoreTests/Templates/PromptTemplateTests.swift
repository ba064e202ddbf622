import Testing
@testable import PromptmillCore

@Suite struct PromptTemplateTests {
    let row = JSONObject(
        keys: ["text", "n", "ok", "none", "author", "a.b"],
        values: [
            .string("<b>Tom & \"Jerry\"</b>"), .number("1.10"), .bool(true), .null,
            .object(JSONObject(keys: ["name"], values: [.string("Ana")])), .string("dotted"),
        ])

    /// Values are inserted exactly as they are: never HTML-escaped, numbers as written.
    @Test func insertsValuesUnescaped() throws {
        let template = try PromptTemplate(parsing: "T: {{text}} N: {{ n }} B: {{ok}} Z: [{{none}}]")
        #expect(try template.render(row) == "T: <b>Tom & \"Jerry\"</b> N: 1.10 B: true Z: []")
    }

    /// Dotted paths reach into nested objects; a key that contains dots is found too.
    @Test func dottedPathsReachNestedFields() throws {
        #expect(try PromptTemplate(parsing: "{{author.name}} {{a.b}}").render(row) == "Ana dotted")
    }

    /// Mustache's unescaped forms mean the same as {{x}}; comments vanish.
    @Test func mustacheFormsAreAccepted() throws {
        #expect(try PromptTemplate(parsing: "{{{text}}}|{{& n}}|{{! note }}").render(row) == "<b>Tom & \"Jerry\"</b>|1.10|")
    }

    /// A missing field is named, with the nearest field the row has.
    @Test func missingFieldIsNamed() throws {
        let template = try PromptTemplate(parsing: "{{txt}}")
        #expect(throws: TemplateError.missingField(path: "txt", available: row.keys)) { try template.render(row) }
        #expect(
            TemplateError.missingField(path: "txt", available: row.keys).description
                == "the template inserts 'txt', which this row does not have — did you mean 'text'?")
    }

    /// Sections and partials are refused rather than silently rendered wrong.
    @Test func sectionsAreRefused() {
        #expect(throws: TemplateError.unsupportedTag("#items", templateLine: 2)) { try PromptTemplate(parsing: "a\n{{#items}}") }
        #expect(throws: TemplateError.unclosedTag(templateLine: 1)) { try PromptTemplate(parsing: "a {{b") }
        #expect(throws: TemplateError.emptyTag(templateLine: 1)) { try PromptTemplate(parsing: "{{ }}") }
    }

    /// The field paths are listed once each, in order of first use.
    @Test func listsFieldPaths() throws {
        #expect(try PromptTemplate(parsing: "{{b}} {{a}} {{b}}").fieldPaths == ["b", "a"])
    }
}

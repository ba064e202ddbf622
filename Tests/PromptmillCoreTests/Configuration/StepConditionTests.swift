import Testing
@testable import PromptmillCore

/// `when:` conditions of multi-step pipelines.
@Suite struct StepConditionTests {
    static let context = JSONObject(
        keys: ["lang", "stars", "steps"],
        values: [
            .string("en"), .number("4"),
            .object(
                JSONObject(
                    keys: ["moderate"],
                    values: [
                        .object(
                            JSONObject(
                                keys: ["output", "skipped"],
                                values: [
                                    .object(JSONObject(keys: ["flagged"], values: [.bool(true)])), .bool(false),
                                ]))
                    ])),
        ])

    @Test(arguments: [
        ("steps.moderate.output.flagged", true),
        ("not steps.moderate.output.flagged", false),
        ("steps.moderate.skipped", false),
        ("lang == en", true),
        ("lang == 'fr'", false),
        ("lang != \"fr\"", true),
        ("stars == 4.0", true),
        ("stars != 4", false),
        ("missing", false),
        ("not missing", true),
        ("missing == null", true),
    ])
    func holds(_ text: String, _ expected: Bool) throws {
        #expect(try StepCondition(parsing: text).holds(in: Self.context) == expected, "\(text)")
    }

    @Test func referencesAndMistakes() throws {
        #expect(try StepCondition(parsing: "not steps.moderate.output.flagged").stepReferenced == "moderate")
        #expect(try StepCondition(parsing: "lang == en").stepReferenced == nil)
        #expect(throws: ConditionError.self) { try StepCondition(parsing: "lang == two words") }
        #expect(throws: ConditionError.self) { try StepCondition(parsing: "a b c") }
        #expect(throws: ConditionError.self) { try StepCondition(parsing: "") }
    }
}

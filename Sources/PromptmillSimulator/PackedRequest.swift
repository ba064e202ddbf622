import PromptmillCore

/// Many rows in one structured-output request, as promptmill sends them: the format is named
/// `promptmill_pack`, its schema is
/// `{"type":"object","properties":{"answers":{"type":"array","items":ITEM}},"required":["answers"],"additionalProperties":false}`
/// with ITEM an object schema holding an integer `i` and the answer's properties, and the
/// last user message is `{"items":[{"i":0,"input":"row text"},...]}`.
///
/// The answer is `{"answers":[{"i":0,...},...]}`: each item, less its `i`, is exactly what the
/// row alone gets with ITEM's other properties as its schema (`StructuredAnswer`), so a packed
/// job and an unpacked one give every row the same answer.
struct PackedRequest {
    /// The pack's whole schema, for `$ref`s.
    let root: JSONValue
    /// ITEM without `i`: the schema one row's answer has alone.
    let rowSchema: JSONValue
    /// Each item's `i` as sent, and its row text.
    let items: [(index: JSONValue, input: String)]

    /// The pack in a request, or nil when the request is not one (or not shaped as one).
    static func read(format: ResponseFormat, lastUserText: String) -> PackedRequest? {
        guard case .jsonSchema(let name, let schema, _) = format, name == ResponseFormat.packName else { return nil }
        let resolver = StructuredAnswer(root: schema, text: "")
        guard case .object(let top) = resolver.resolved(schema), case .object(let properties)? = top["properties"],
            let answers = properties["answers"], case .object(let list) = resolver.resolved(answers), let itemValue = list["items"],
            case .object(let item) = resolver.resolved(itemValue), case .object(let itemProperties)? = item["properties"],
            itemProperties["i"] != nil
        else { return nil }
        guard case .object(let message)? = try? JSONParser.parse(lastUserText), case .array(let entries)? = message["items"] else { return nil }
        var items: [(index: JSONValue, input: String)] = []
        for entry in entries {
            guard case .object(let fields) = entry, let index = fields["i"], let input = fields["input"] else { return nil }
            if case .string(let text) = input {
                items.append((index, text))
            } else {
                items.append((index, StructuredAnswer.compact(input)))
            }
        }
        var rowSchema = JSONObject()
        for (key, value) in zip(item.keys, item.values) {
            switch (key, value) {
            case ("properties", .object(let members)):
                let kept = zip(members.keys, members.values).filter { $0.0 != "i" }
                rowSchema.append(key, .object(JSONObject(keys: kept.map(\.0), values: kept.map(\.1))))
            case ("required", .array(let names)):
                rowSchema.append(key, .array(names.filter { $0 != .string("i") }))
            default:
                rowSchema.append(key, value)
            }
        }
        return PackedRequest(root: schema, rowSchema: .object(rowSchema), items: items)
    }

    /// The answer's text. `violations` is the share of items that go wrong; `draw` gives a
    /// fresh random number in [0, 1) for each decision (the engine's seeded generator). A
    /// wrong item breaks the schema (6 in 10), goes missing (2 in 10) or comes twice.
    func answerText(violations: Double, draw: () -> Double) -> String {
        var answers: [JSONValue] = []
        for item in items {
            let generator = StructuredAnswer(root: root, text: item.input)
            let answer = generator.value(rowSchema, path: "", depth: 0)
            var object = JSONObject(keys: ["i"], values: [item.index])
            if case .object(let fields) = answer {
                for (key, value) in zip(fields.keys, fields.values) { object.append(key, value) }
            }
            guard violations > 0, draw() < violations else {
                answers.append(.object(object))
                continue
            }
            let kind = draw()
            if kind < 0.6 {
                answers.append(generator.brokenItem(.object(object), schema: rowSchema, draw: UInt64(kind * 1e9)))
            } else if kind >= 0.8 {
                answers += [.object(object), .object(object)]
            }
        }
        return StructuredAnswer.compact(.object(JSONObject(keys: ["answers"], values: [.array(answers)])))
    }
}

import PromptmillTokenizer

/// `pack: N`: up to N rows in one request of a chat-era endpoint (responses, chat), each
/// answered as an item of a JSON array, under a strict schema.
///
/// The request: the template's fixed parts once (responses' instructions, the messages that
/// read no field), an instruction saying how to answer, and in place of the message that
/// reads the row's fields one user message holding
/// `{"items": [{"i": 0, "input": "…the row's rendered text…"}, …]}`. The format asks for
/// `{"answers": [{"i": 0, …the answer…}, …]}`, named `promptmill_pack`: each item is the
/// pipeline's own schema's properties with `i` first (or `output`, a string, without a
/// schema; or `answer` holding the schema when it is not an object of properties).
///
/// Answers are mapped back by `i`, never by position. A row whose item is missing, repeated
/// or breaks the schema is sent again (by halves, `LiveDispatcher`); each row's answer is
/// its item without `i`, as compact JSON (or the `output` text), its usage a share by its
/// item's exact tokens.
enum PackedRequest {
    static let formatName = "promptmill_pack"

    static let instruction = """
        You are given several items as JSON: {"items": [{"i": index, "input": text}, ...]}. Treat each item's \
        input on its own, as if it were the only one, as the rest of this conversation asks. Answer with JSON \
        {"answers": [...]}: one answer for every item, each with "i" set to its item's index.
        """

    /// How a row's answer sits in its item.
    enum ItemShape: Sendable, Equatable {
        /// No schema: `{"i", "output": text}`.
        case text
        /// The schema is an object of properties: they sit beside `i`.
        case merged
        /// Any other schema: `{"i", "answer": value}`.
        case wrapped
    }

    static func shape(_ structured: StructuredOutput?) -> ItemShape {
        guard let structured, case .object(let schema) = structured.schema else { return .text }
        let structural: Set<String> = ["type", "properties", "required", "additionalProperties", "$defs", "definitions", "title", "description"]
        guard schema["type"] == .string("object"), case .object? = schema["properties"],
            schema.keys.allSatisfy({ structural.contains($0) })
        else { return .wrapped }
        return .merged
    }

    /// The `promptmill_pack` schema for `structured`'s answers.
    static func schema(_ structured: StructuredOutput?) -> JSONValue {
        var properties = JSONObject(keys: ["i"], values: [.object(JSONObject(keys: ["type"], values: [.string("integer")]))])
        var required: [JSONValue] = [.string("i")]
        var referencesRoot = false
        let rowSchema = structured.map { rebased($0.schema, referencesRoot: &referencesRoot) }
        var definitions = JSONObject()
        var ownSchema = JSONObject()
        if case .object(let schema)? = rowSchema {
            for (key, value) in zip(schema.keys, schema.values) {
                if key == "$defs" || key == "definitions" { definitions.append(key, value) } else { ownSchema.append(key, value) }
            }
        }
        switch shape(structured) {
        case .text:
            properties.append("output", .object(JSONObject(keys: ["type"], values: [.string("string")])))
            required.append(.string("output"))
        case .merged:
            if case .object(let own)? = ownSchema["properties"] {
                for (key, value) in zip(own.keys, own.values) where key != "i" { properties.append(key, value) }
            }
            if case .array(let names)? = ownSchema["required"] { required += names.filter { $0 != .string("i") } }
        case .wrapped:
            properties.append("answer", .object(ownSchema))
            required.append(.string("answer"))
        }
        if referencesRoot {
            // The row schema refers to its own root: keep it whole under $defs for those refs.
            var defs = JSONObject()
            if case .object(let written)? = definitions["$defs"] { defs = written }
            defs.append(rowDefinition, .object(ownSchema))
            definitions.append("$defs", .object(defs))
        }
        let item = JSONObject(
            keys: ["type", "properties", "required", "additionalProperties"],
            values: [.string("object"), .object(properties), .array(required), .bool(false)])
        let answers = JSONObject(keys: ["type", "items"], values: [.string("array"), .object(item)])
        var root = JSONObject(
            keys: ["type", "properties", "required", "additionalProperties"],
            values: [
                .string("object"), .object(JSONObject(keys: ["answers"], values: [.object(answers)])), .array([.string("answers")]),
                .bool(false),
            ])
        for (key, value) in zip(definitions.keys, definitions.values) { root.append(key, value) }
        return .object(root)
    }

    /// Where the row schema is kept when it refers to its own root.
    static let rowDefinition = "promptmill_row"

    /// `schema` with every `$ref` into its root other than its definitions (`#`,
    /// `#/properties/...`) pointed at `#/$defs/promptmill_row` instead: once the row schema
    /// sits inside the pack's, `#` means the pack's root.
    static func rebased(_ schema: JSONValue, referencesRoot: inout Bool) -> JSONValue {
        switch schema {
        case .object(let object):
            var rebuilt = JSONObject()
            for (key, value) in zip(object.keys, object.values) {
                if key == "$ref", case .string(let reference) = value, reference.hasPrefix("#"),
                    !reference.hasPrefix("#/$defs/"), !reference.hasPrefix("#/definitions/")
                {
                    referencesRoot = true
                    rebuilt.append(key, .string("#/$defs/\(rowDefinition)" + reference.dropFirst()))
                } else {
                    rebuilt.append(key, rebased(value, referencesRoot: &referencesRoot))
                }
            }
            return .object(rebuilt)
        case .array(let items):
            return .array(items.map { rebased($0, referencesRoot: &referencesRoot) })
        default:
            return schema
        }
    }

    /// The row's own text, as its item's `input`: the prompt, or the one message that reads
    /// the row's fields.
    static func input(_ row: PreparedRow, template: RequestTemplate) -> String {
        guard case .messages(let templates) = template, let messages = row.messages else { return row.prompt }
        let index = templates.firstIndex { !$0.content.fieldPaths.isEmpty } ?? (messages.count - 1)
        return messages.indices.contains(index) ? messages[index].content : row.prompt
    }

    /// The template's messages that read no field: sent once, those before the row's
    /// message before the items and those after it after them, in the template's order.
    static func fixedMessages(_ row: PreparedRow?, template: RequestTemplate) -> (before: [ChatMessage], after: [ChatMessage]) {
        guard case .messages(let templates) = template, let messages = row?.messages else { return ([], []) }
        let varying = templates.firstIndex { !$0.content.fieldPaths.isEmpty } ?? templates.count
        let fixed = zip(templates, messages).enumerated().filter { $0.element.0.content.fieldPaths.isEmpty }
        return (fixed.filter { $0.offset < varying }.map(\.element.1), fixed.filter { $0.offset > varying }.map(\.element.1))
    }

    /// `{"items": [{"i": 0, "input": "…"}, …]}` as compact JSON.
    static func items(_ rows: [PreparedRow], template: RequestTemplate) -> String {
        var writer = JSONWriter(capacity: rows.reduce(32) { $0 + $1.prompt.utf8.count + 24 })
        writer.raw("{\"items\":[")
        for (index, row) in rows.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw("{\"i\":")
            writer.number(index)
            writer.raw(",\"input\":")
            writer.string(input(row, template: template))
            writer.raw("}")
        }
        writer.raw("]}")
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// The request body: the fixed parts, the instruction, the items; the pipeline's params
    /// with the pack's format, and an output limit of the rows' (`CompletionBudget.perPrompt`
    /// per row: the pipeline's limit, within the row's share of the model's output window),
    /// so a packed request never reserves or spends more than its rows may.
    static func body(_ configuration: PipelineConfiguration, rows: [PreparedRow]) -> [UInt8] {
        let first = rows.first
        let fixed = fixedMessages(first, template: configuration.template)
        let itemsMessage = ChatMessage(role: "user", name: nil, content: items(rows, template: configuration.template))
        var body = JSONObject()
        body.append("model", .string(configuration.model))
        let packed = packFormat(
            schema(configuration.structuredOutput), strict: configuration.structuredOutput?.strict ?? true,
            responses: configuration.endpoint == .responses)
        switch configuration.endpoint {
        case .responses:
            let instructions = first?.instructions.map { $0 + "\n\n" + instruction } ?? instruction
            body.append("instructions", .string(instructions))
            body.append("input", .array((fixed.before + [itemsMessage] + fixed.after).map(\.inputItem)))
        default:
            let guide = ChatMessage(role: "system", name: nil, content: instruction)
            body.append("messages", .array((fixed.before + [guide, itemsMessage] + fixed.after).map(\.json)))
        }
        if let user = first?.user { body.append(configuration.endpoint == .responses ? "safety_identifier" : "user", .string(user)) }
        let limitKey =
            ["max_output_tokens", "max_completion_tokens", "max_tokens"].first { configuration.params[$0] != nil }
            ?? CompletionBudget.capParameter(configuration.endpoint)
        body.append(limitKey, .number(String(CompletionBudget.perPrompt(configuration) * rows.count)))
        for (key, value) in zip(configuration.params.keys, configuration.params.values) {
            switch key {
            case "max_output_tokens", "max_completion_tokens", "max_tokens":
                continue
            case "text" where configuration.endpoint == .responses:
                var text = JSONObject()
                if case .object(let written) = value { text = written }
                text.append("format", packed)
                body.append(key, .object(text))
            case "response_format" where configuration.endpoint == .chat:
                body.append(key, packed)
            default:
                body.append(key, value)
            }
        }
        if configuration.endpoint == .responses, body["text"] == nil {
            body.append("text", .object(JSONObject(keys: ["format"], values: [packed])))
        }
        if configuration.endpoint == .chat, body["response_format"] == nil {
            body.append("response_format", packed)
        }
        var writer = JSONWriter(capacity: 1024)
        writer.value(.object(body))
        return writer.bytes
    }

    /// The pack's format, strict as the pipeline's own (OpenAI refuses a strict schema with
    /// optional properties, so a schema written without `strict` stays without it).
    private static func packFormat(_ schema: JSONValue, strict: Bool, responses: Bool) -> JSONValue {
        let named = JSONObject(keys: ["name", "strict", "schema"], values: [.string(formatName), .bool(strict), schema])
        if responses {
            var format = JSONObject(keys: ["type"], values: [.string("json_schema")])
            for (key, value) in zip(named.keys, named.values) { format.append(key, value) }
            return .object(format)
        }
        return .object(JSONObject(keys: ["type", "json_schema"], values: [.string("json_schema"), .object(named)]))
    }

    /// The exact tokens of the request that are no row's own: instructions, fixed messages,
    /// the framing of the items; shared by the rows of a full pack.
    static func overheadTokens(_ configuration: PipelineConfiguration, row: PreparedRow, tokenizer: Tokenizer) -> Int {
        var messages: [ChatMessageTokens] = []
        if configuration.endpoint == .responses {
            messages.append(ChatMessageTokens(role: "developer", content: (row.instructions.map { $0 + "\n\n" } ?? "") + instruction, name: nil))
        }
        let fixed = fixedMessages(row, template: configuration.template)
        for message in fixed.before + fixed.after {
            messages.append(ChatMessageTokens(role: message.role, content: message.content, name: nil))
        }
        if configuration.endpoint == .chat { messages.append(ChatMessageTokens(role: "system", content: instruction, name: nil)) }
        messages.append(ChatMessageTokens(role: "user", content: "{\"items\":[]}", name: nil))
        return tokenizer.chatPromptTokens(messages)
    }

    /// A row's prompt tokens in a packed request: its item's exact tokens and its part of
    /// the shared `overhead` (`overheadTokens`, the same for every row of a step: a packed
    /// step's instructions and fixed messages read no field) in a full pack.
    static func promptTokens(_ row: PreparedRow, overhead: Int, configuration: PipelineConfiguration, tokenizer: Tokenizer) -> Int {
        var writer = JSONWriter(capacity: row.prompt.utf8.count + 24)
        writer.raw("{\"i\":0,\"input\":")
        writer.string(input(row, template: configuration.template))
        writer.raw("},")
        let item = tokenizer.count(String(decoding: writer.bytes, as: UTF8.self))
        return item + (overhead + configuration.pack - 1) / configuration.pack
    }
}

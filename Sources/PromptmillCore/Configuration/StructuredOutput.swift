/// A step's structured output: the JSON schema every answer must follow (OpenAI's
/// Structured Outputs, platform.openai.com/docs/guides/structured-outputs), from
/// `params.text.format` (responses: `{type: json_schema, name, schema, strict}`) or
/// `params.response_format` (chat: `{type: json_schema, json_schema: {name, schema, strict}}`).
///
/// The server is asked to follow it, and promptmill checks each answer on its side as well:
/// a server that ignores `strict` (or a compatible one without structured outputs), a
/// truncated answer, or a packed answer can still break it.
public struct StructuredOutput: Sendable {
    public var name: String
    /// The schema as written.
    public var schema: JSONValue
    public var strict: Bool
    let compiled: JSONSchema

    /// Where the pipeline states it, for messages: `params.text.format` or
    /// `params.response_format.json_schema`.
    public var key: String

    /// The step's structured output; nil when it asks for none. Throws a sentence naming
    /// the key when the format is not a usable `json_schema` format.
    static func resolve(_ params: JSONObject, endpoint: Endpoint) throws(StructuredOutputError) -> StructuredOutput? {
        let format: JSONObject
        let key: String
        switch endpoint {
        case .responses:
            guard case .object(let text)? = params["text"], case .object(let written)? = text["format"] else { return nil }
            format = written
            key = "params.text.format"
        case .chat:
            guard case .object(let responseFormat)? = params["response_format"], responseFormat["type"] == .string("json_schema")
            else { return nil }
            guard case .object(let written)? = responseFormat["json_schema"] else {
                throw StructuredOutputError("params.response_format of type json_schema needs json_schema: {name, schema, strict}")
            }
            format = written
            key = "params.response_format.json_schema"
        default:
            return nil
        }
        if endpoint == .responses {
            guard case .string(let type)? = format["type"] else {
                throw StructuredOutputError("\(key) needs a type (text, json_object or json_schema)")
            }
            guard type == "json_schema" else { return nil }
        }
        guard case .string(let name)? = format["name"], !name.isEmpty else {
            throw StructuredOutputError("\(key) needs a name (letters, digits, _ and -, up to 64), as OpenAI requires")
        }
        guard let schema = format["schema"], case .object = schema else {
            throw StructuredOutputError("\(key) needs a schema: a JSON Schema object, e.g. {type: object, properties: {...}}")
        }
        let compiled: JSONSchema
        do {
            compiled = try JSONSchema(schema)
        } catch {
            throw StructuredOutputError("\(key).schema: \(error)")
        }
        let strict = format["strict"] == .bool(true)
        if strict, let problem = StrictSchemaRules.firstProblem(in: schema) {
            throw StructuredOutputError("\(key).schema breaks OpenAI's rules for strict: true — \(problem) (or set strict: false)")
        }
        return StructuredOutput(name: name, schema: schema, strict: strict, compiled: compiled, key: key)
    }

    /// Why an answer's text is not an answer of this schema; nil when it is one.
    func check(text: String) -> String? {
        let parsed: JSONValue
        do {
            parsed = try Array(text.utf8).withUnsafeBytes { bytes throws(JSONParseError) in try JSONParser.parse(bytes) }
        } catch {
            return "the answer is not valid JSON (\(error))"
        }
        return check(parsed)
    }

    /// Why `value` breaks the schema, naming the first violation's path and rule; nil when
    /// it follows it.
    func check(_ value: JSONValue) -> String? {
        compiled.firstViolation(of: value).map { "the answer breaks the schema '\(name)': \($0)" }
    }
}

/// A structured-output format that cannot be used, in a sentence naming its key.
struct StructuredOutputError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The shapes OpenAI's API reference gives the newer request parameters (responses and
/// chat), checked at validate time so a typo costs a second, not a rejected first request
/// of a million (platform.openai.com/docs/api-reference/responses/create and
/// /chat/create).
enum ParameterCheck {
    static let serviceTiers = ["auto", "default", "flex", "priority", "scale"]
    static let efforts = ["none", "minimal", "low", "medium", "high", "xhigh"]

    /// Why `value` is not a valid `params.KEY`, as a sentence naming the key; nil when it is
    /// valid or promptmill does not check the key.
    static func problem(_ key: String, _ value: JSONValue) -> String? {
        switch key {
        case "max_output_tokens":
            // OpenAI refuses less than 16 ("integer_below_min_value").
            if case .number(let text) = value, let number = Int(text), (16...10_000_000).contains(number) { return nil }
            return "params.max_output_tokens must be a whole number from 16 to 10000000 (it bounds reasoning and answer tokens together)"
        case "temperature":
            if case .number(let text) = value, let number = Double(text), (0...2).contains(number) { return nil }
            return "params.temperature must be a number from 0 to 2"
        case "top_p":
            if case .number(let text) = value, let number = Double(text), (0...1).contains(number) { return nil }
            return "params.top_p must be a number from 0 to 1"
        case "store", "parallel_tool_calls":
            if case .bool = value { return nil }
            return "params.\(key) must be true or false"
        case "service_tier":
            if case .string(let tier) = value, serviceTiers.contains(tier) { return nil }
            return "params.service_tier must be one of \(serviceTiers.joined(separator: ", "))"
        case "reasoning_effort":
            if case .string(let effort) = value, efforts.contains(effort) { return nil }
            return "params.reasoning_effort must be one of \(efforts.joined(separator: ", "))"
        case "reasoning":
            guard case .object(let reasoning) = value else { return "params.reasoning must be a mapping, e.g. {effort: low}" }
            if let effort = reasoning["effort"], !efforts.contains(where: { effort == .string($0) }) {
                return "params.reasoning.effort must be one of \(efforts.joined(separator: ", "))"
            }
            if let unknown = reasoning.keys.first(where: { !["effort", "summary", "generate_summary"].contains($0) }) {
                return "params.reasoning.\(unknown) is not a field of reasoning — it takes effort and summary"
            }
            return nil
        case "text":
            guard case .object(let text) = value else { return "params.text must be a mapping, e.g. {format: {type: json_schema, ...}}" }
            if let unknown = text.keys.first(where: { !["format", "verbosity"].contains($0) }) {
                return "params.text.\(unknown) is not a field of text — it takes format and verbosity"
            }
            if let format = text["format"] {
                guard case .object(let fields) = format, case .string(let type)? = fields["type"],
                    ["text", "json_object", "json_schema"].contains(type)
                else { return "params.text.format must be a mapping with type text, json_object or json_schema" }
            }
            return nil
        case "truncation":
            if value == .string("auto") || value == .string("disabled") { return nil }
            return "params.truncation must be auto or disabled"
        case "prompt_cache_key", "safety_identifier", "previous_response_id":
            if case .string = value { return nil }
            return "params.\(key) must be a string"
        case "metadata":
            // Up to 16 pairs; keys up to 64 characters, values strings up to 512.
            guard case .object(let metadata) = value, metadata.count <= 16 else {
                return "params.metadata must be a mapping of up to 16 keys to strings"
            }
            for (name, entry) in zip(metadata.keys, metadata.values) {
                guard name.count <= 64, case .string(let text) = entry, text.count <= 512 else {
                    return "params.metadata.\(name) must be a string of up to 512 characters (keys up to 64)"
                }
            }
            return nil
        default:
            return nil
        }
    }
}

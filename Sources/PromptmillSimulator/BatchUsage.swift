import PromptmillCore

/// A batch's usage as its Batch object reports it, summed over its answered lines.
struct BatchUsage: Sendable, Equatable {
    var input = 0
    var cached = 0
    var output = 0
    var reasoning = 0

    static func + (lhs: BatchUsage, rhs: BatchUsage) -> BatchUsage {
        BatchUsage(
            input: lhs.input + rhs.input, cached: lhs.cached + rhs.cached, output: lhs.output + rhs.output, reasoning: lhs.reasoning + rhs.reasoning)
    }

    /// Read from an answer body's `usage`, whichever endpoint's names it uses.
    init(answer body: [UInt8]) {
        guard case .object(let object)? = try? body.withUnsafeBytes({ try JSONParser.parse($0) }),
            case .object(let usage)? = object["usage"]
        else { return }
        let number = { (value: JSONValue?) -> Int in
            if case .number(let text)? = value { return Int(text) ?? 0 }
            return 0
        }
        let nested = { (key: String, inner: String) -> Int in
            if case .object(let details)? = usage[key] { return number(details[inner]) }
            return 0
        }
        input = number(usage["prompt_tokens"] ?? usage["input_tokens"])
        output = number(usage["completion_tokens"] ?? usage["output_tokens"])
        cached = nested("prompt_tokens_details", "cached_tokens") + nested("input_tokens_details", "cached_tokens")
        reasoning = nested("completion_tokens_details", "reasoning_tokens") + nested("output_tokens_details", "reasoning_tokens")
    }

    init(input: Int = 0, cached: Int = 0, output: Int = 0, reasoning: Int = 0) {
        self.input = input
        self.cached = cached
        self.output = output
        self.reasoning = reasoning
    }

    func write(_ writer: inout JSONWriter) {
        writer.raw("{\"input_tokens\":")
        writer.number(input)
        writer.raw(",\"input_tokens_details\":{\"cached_tokens\":")
        writer.number(cached)
        writer.raw("},\"output_tokens\":")
        writer.number(output)
        writer.raw(",\"output_tokens_details\":{\"reasoning_tokens\":")
        writer.number(reasoning)
        writer.raw("},\"total_tokens\":")
        writer.number(input + output)
        writer.raw("}")
    }
}

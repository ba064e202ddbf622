import PromptmillCore

/// One entry of a Batch object's `errors.data`: why the batch failed, and on which line of
/// its input file (1-based) when a line is to blame.
struct BatchError: Sendable, Equatable {
    var code: String
    var message: String
    var param: String?
    var line: Int?

    func write(_ writer: inout JSONWriter) {
        writer.raw("{\"code\":")
        writer.string(code)
        writer.raw(",\"message\":")
        writer.string(message)
        writer.raw(",\"param\":")
        if let param { writer.string(param) } else { writer.null() }
        writer.raw(",\"line\":")
        if let line { writer.number(line) } else { writer.null() }
        writer.raw("}")
    }
}

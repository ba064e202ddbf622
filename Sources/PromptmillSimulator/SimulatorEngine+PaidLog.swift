import Foundation
import PromptmillCore

extension SimulatorEngine {
    /// Appends one paid answer to the paid log, if there is one: `{"t": unix seconds,
    /// "texts": [...], "prompt_tokens", "completion_tokens"}` and the marks (`"batch"` and
    /// `"custom_id"` for a batch line, `"service_tier"` for a flex or priority answer).
    static func logPaid(
        _ state: inout State, time: Double, texts: [String], prompt: Int, completion: Int, marks: [(String, String)] = []
    ) {
        guard let log = state.paidLog else { return }
        var writer = JSONWriter(capacity: 256)
        writer.raw("{\"t\":")
        writer.raw(String(format: "%.6f", time))
        writer.raw(",\"texts\":")
        writer.value(.array(texts.map(JSONValue.string)))
        writer.raw(",\"prompt_tokens\":")
        writer.number(prompt)
        writer.raw(",\"completion_tokens\":")
        writer.number(completion)
        for (key, value) in marks {
            writer.raw(",")
            writer.key(key)
            writer.string(value)
        }
        writer.raw("}\n")
        log.write(Data(writer.bytes))
    }
}

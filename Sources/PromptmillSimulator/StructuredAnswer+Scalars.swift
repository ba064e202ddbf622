import Foundation
import PromptmillCore

/// Numbers within their bounds, strings that fit their format and lengths.
extension StructuredAnswer {
    func integer(_ node: JSONObject, path: String) -> JSONValue {
        let bounds = NumberBounds(node)
        var low = bounds.low.map { bounds.lowExclusive ? Int(($0 + 1).rounded(.down)) : Int($0.rounded(.up)) }
        var high = bounds.high.map { bounds.highExclusive ? Int(($0 - 1).rounded(.up)) : Int($0.rounded(.down)) }
        if low == nil { low = high.map { min(0, $0 - 10) } ?? 0 }
        if high == nil { high = low! + 100 }
        var lowest = low!
        let highest = max(low!, high!)
        if let step = bounds.multipleOf, step >= 1, step == step.rounded() {
            let unit = Int(step)
            lowest = (lowest + unit - 1).quotientAndRemainder(dividingBy: unit).quotient * unit
            if lowest < low! { lowest += unit }
            let steps = max(0, (highest - lowest) / unit)
            return .number(String(lowest + unit * Int(hash(path) % UInt64(steps + 1))))
        }
        return .number(String(lowest + Int(hash(path) % (UInt64(highest - lowest) + 1))))
    }

    func number(_ node: JSONObject, path: String) -> JSONValue {
        let bounds = NumberBounds(node)
        let low = bounds.low ?? bounds.high.map { min(0, $0 - 100) } ?? 0
        let high = bounds.high ?? low + 100
        let fits = { (value: Double) in
            (bounds.lowExclusive ? value > low : value >= low) && (bounds.highExclusive ? value < high : value <= high)
        }
        let share = Double(hash(path) % 99 + 1) / 100
        let candidate = low + (high - low) * share
        for text in [String(format: "%.2f", candidate), "\(candidate)", "\((low + high) / 2)"] {
            if let value = Double(text), fits(value) { return .number(Self.trimmed(text)) }
        }
        return .number(Self.trimmed("\(low)"))
    }

    static func trimmed(_ text: String) -> String {
        guard text.contains("."), !text.contains("e") else { return text }
        var result = Substring(text)
        while result.hasSuffix("0") { result = result.dropLast() }
        if result.hasSuffix(".") { result = result.dropLast() }
        return String(result)
    }

    func string(_ node: JSONObject, path: String) -> JSONValue {
        let seed = hash(path)
        switch node["format"] {
        case .string("date")?: return .string(String(format: "2024-05-%02d", Int(seed % 28) + 1))
        case .string("date-time")?: return .string(String(format: "2024-05-%02dT%02d:30:00Z", Int(seed % 28) + 1, Int(seed % 24)))
        case .string("time")?: return .string(String(format: "%02d:30:00Z", Int(seed % 24)))
        case .string("duration")?: return .string("P\(seed % 9 + 1)D")
        case .string("email")?: return .string("row\(seed % 1000)@example.com")
        case .string("hostname")?: return .string("host\(seed % 1000).example.com")
        case .string("ipv4")?: return .string("192.0.2.\(seed % 255)")
        case .string("ipv6")?: return .string("2001:db8::\(String(seed % 0xFFFF, radix: 16))")
        case .string("uuid")?:
            let hex = Array(String(format: "%016llx%016llx", seed, hash(path + "~")))
            return .string("\(String(hex[0..<8]))-\(String(hex[8..<12]))-4\(String(hex[13..<16]))-8\(String(hex[17..<20]))-\(String(hex[20..<32]))")
        default:
            return words(path: path, minLength: RequestParameters.integer(node["minLength"]), maxLength: RequestParameters.integer(node["maxLength"]))
        }
    }

    /// One to three words of the simulator's vocabulary, stretched or cut to the lengths.
    func words(path: String, minLength: Int?, maxLength: Int?) -> JSONValue {
        var state = hash(path)
        let count = 1 + Int(AnswerRules.next(&state) % 3)
        var result = (0..<count).map { _ in AnswerRules.vocabulary[Int(AnswerRules.next(&state) % UInt64(AnswerRules.vocabulary.count))] }
            .joined(separator: " ")
        while result.count < (minLength ?? 0) { result += " " + AnswerRules.vocabulary[Int(AnswerRules.next(&state) % 30)] }
        if let maxLength, result.count > maxLength {
            result = String(result.prefix(maxLength)).trimmingCharacters(in: .whitespaces)
            while result.count < (minLength ?? 0) { result += "x" }
        }
        return .string(result)
    }
}

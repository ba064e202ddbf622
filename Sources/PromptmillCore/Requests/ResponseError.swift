/// A 200 answer that cannot be used as it is.
enum ResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case choicesMismatch(String)

    var description: String {
        switch self {
        case .malformed(let detail): "unusable answer: \(detail)"
        case .choicesMismatch(let detail): "the answer's choices do not match the prompts sent: \(detail)"
        }
    }
}

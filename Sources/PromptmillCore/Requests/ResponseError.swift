/// A 200 answer that cannot be used as it is.
public enum ResponseError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)
    case choicesMismatch(String)
    /// No choices, data or results at all.
    case empty(String)

    public var description: String {
        switch self {
        case .malformed(let detail): "unusable answer: \(detail)"
        case .choicesMismatch(let detail): "the answer's choices do not match the prompts sent: \(detail)"
        case .empty(let detail): "empty answer: \(detail)"
        }
    }

    /// The error record's type when retries do not cure it.
    var failureType: String {
        switch self {
        case .malformed, .choicesMismatch: "invalid_response"
        case .empty: "empty_response"
        }
    }
}

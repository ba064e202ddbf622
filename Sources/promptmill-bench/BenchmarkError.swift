enum BenchmarkError: Error, CustomStringConvertible {
    case usage(String)
    var description: String {
        switch self {
        case .usage(let text): "usage: \(text)"
        }
    }
}

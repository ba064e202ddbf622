import Foundation

/// OpenAI's `x-ratelimit-*` headers of one answer.
public struct RateLimitHeaders: Sendable, Equatable {
    public var limitRequests: Int?
    public var limitTokens: Int?
    public var remainingRequests: Int?
    public var remainingTokens: Int?
    public var resetRequests: Duration?
    public var resetTokens: Duration?

    public init(
        limitRequests: Int? = nil, limitTokens: Int? = nil, remainingRequests: Int? = nil,
        remainingTokens: Int? = nil, resetRequests: Duration? = nil, resetTokens: Duration? = nil
    ) {
        self.limitRequests = limitRequests
        self.limitTokens = limitTokens
        self.remainingRequests = remainingRequests
        self.remainingTokens = remainingTokens
        self.resetRequests = resetRequests
        self.resetTokens = resetTokens
    }

    /// Reads the headers of an answer. A limit that is not a positive whole number, or a
    /// remaining count that is negative or not a number (Azure sends `-1` and `0` for "no
    /// such limit"), is left out: never a reason to hold or refuse a request.
    public init(_ response: HTTPResponse) {
        limitRequests = response.header("x-ratelimit-limit-requests").flatMap(Self.positive)
        limitTokens = response.header("x-ratelimit-limit-tokens").flatMap(Self.positive)
        // What is left of a limit the server does not state says nothing.
        remainingRequests = limitRequests == nil ? nil : response.header("x-ratelimit-remaining-requests").flatMap(Self.count)
        remainingTokens = limitTokens == nil ? nil : response.header("x-ratelimit-remaining-tokens").flatMap(Self.count)
        resetRequests = response.header("x-ratelimit-reset-requests").flatMap(Self.parseReset)
        resetTokens = response.header("x-ratelimit-reset-tokens").flatMap(Self.parseReset)
    }

    private static func positive(_ text: String) -> Int? {
        Int(text.trimmingCharacters(in: .whitespaces)).flatMap { $0 > 0 ? $0 : nil }
    }

    private static func count(_ text: String) -> Int? {
        Int(text.trimmingCharacters(in: .whitespaces)).flatMap { $0 >= 0 ? $0 : nil }
    }

    /// Parses resets written like `1s`, `6m0s`, `120ms`, `17.5s` or `1h2m3s`.
    public static func parseReset(_ text: String) -> Duration? {
        var total = 0.0
        var number = ""
        var index = text.startIndex
        var sawUnit = false
        while index < text.endIndex {
            let character = text[index]
            if character.isNumber || character == "." {
                number.append(character)
                index = text.index(after: index)
                continue
            }
            guard let value = Double(number) else { return nil }
            let rest = text[index...]
            if rest.hasPrefix("ms") {
                total += value / 1000
                index = text.index(index, offsetBy: 2)
            } else if character == "h" || character == "m" || character == "s" {
                total += value * (character == "h" ? 3600 : character == "m" ? 60 : 1)
                index = text.index(after: index)
            } else {
                return nil
            }
            number = ""
            sawUnit = true
        }
        guard sawUnit, number.isEmpty else { return nil }
        return .nanoseconds(Int64((total * 1e9).rounded()))
    }
}

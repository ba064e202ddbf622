import Foundation

extension JSONSchema {
    /// A `pattern`, compiled once with ICU (`NSRegularExpression`) and searched for anywhere
    /// in a string, as JSON Schema's ECMA-262 patterns are.
    ///
    /// Where ICU reads a pattern differently from ECMA-262 in ways an answer could meet, the
    /// pattern is rewritten first: `$` matches only at the very end (ICU's also matches before
    /// a final line break), `\d` and `\w` are ASCII only, `[` or `&` inside a class is a plain
    /// character (ICU nests sets and intersects them), `[]` matches nothing and `[^]` any
    /// character. `\s` and `\b` still follow Unicode, as in ICU.
    struct Pattern: Sendable {
        let source: String
        private let expression: Expression

        /// nil when ICU cannot compile the pattern.
        init?(_ source: String) {
            guard let expression = try? NSRegularExpression(pattern: Self.icuPattern(source)) else { return nil }
            self.source = source
            self.expression = Expression(expression)
        }

        func matches(_ text: String) -> Bool {
            expression.regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }

        /// `NSRegularExpression` is immutable and documented as safe to use from any thread.
        private final class Expression: @unchecked Sendable {
            let regex: NSRegularExpression
            init(_ regex: NSRegularExpression) { self.regex = regex }
        }

        /// `source`, an ECMA-262 pattern, spelled so ICU gives it the same meaning.
        static func icuPattern(_ source: String) -> String {
            let scalars = Array(source.unicodeScalars)
            var result = String.UnicodeScalarView()
            var inClass = false
            var index = 0
            func next(_ offset: Int) -> Unicode.Scalar? { index + offset < scalars.count ? scalars[index + offset] : nil }
            while index < scalars.count {
                let scalar = scalars[index]
                index += 1
                switch scalar {
                case "\\":
                    guard let escaped = next(0) else {
                        result.append("\\")
                        continue
                    }
                    index += 1
                    switch (escaped, inClass) {
                    case ("d", false): result.append(contentsOf: "[0-9]".unicodeScalars)
                    case ("D", false): result.append(contentsOf: "[^0-9]".unicodeScalars)
                    case ("w", false): result.append(contentsOf: "[A-Za-z0-9_]".unicodeScalars)
                    case ("W", false): result.append(contentsOf: "[^A-Za-z0-9_]".unicodeScalars)
                    case ("d", true): result.append(contentsOf: "0-9".unicodeScalars)
                    case ("w", true): result.append(contentsOf: "A-Za-z0-9_".unicodeScalars)
                    default: result.append(contentsOf: ["\\", escaped])
                    }
                case "[" where inClass, "&" where inClass:
                    result.append(contentsOf: ["\\", scalar])
                case "[" where next(0) == "]":
                    // ECMA-262's empty class, which nothing matches.
                    result.append(contentsOf: "(?!)".unicodeScalars)
                    index += 1
                case "[" where next(0) == "^" && next(1) == "]":
                    // ECMA-262's negated empty class, which any character matches.
                    result.append(contentsOf: "[\\s\\S]".unicodeScalars)
                    index += 2
                case "[":
                    inClass = true
                    result.append("[")
                    if next(0) == "^" {
                        result.append("^")
                        index += 1
                    }
                case "]" where inClass:
                    inClass = false
                    result.append("]")
                case "$" where !inClass:
                    result.append(contentsOf: "\\z".unicodeScalars)
                default:
                    result.append(scalar)
                }
            }
            return String(result)
        }
    }
}

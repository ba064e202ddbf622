import Foundation

/// The simulator's deterministic answers, chosen so the samples come out meaningful:
///
/// 1. A prompt that mentions sentiment gets `positive`, `negative` or `neutral`, from the
///    sentiment words of the text after its last `Review:` (up to `Sentiment:`).
/// 2. A prompt that asks to summarise gets the first sentence of the text after its last
///    line ending in `:` (or of the whole prompt), cut to `max_tokens`.
/// 3. Anything else gets words derived from a hash of the prompt and the choice number.
enum AnswerRules {
    static let positiveWords: Set<String> = [
        "great", "excellent", "love", "loved", "perfect", "amazing", "fantastic",
        "wonderful", "happy", "recommend", "best", "superb", "delighted",
    ]
    static let negativeWords: Set<String> = [
        "terrible", "awful", "broke", "broken", "hate", "hated", "worst",
        "disappointed", "refund", "poor", "useless", "returned", "bad", "waste",
    ]
    static let vocabulary = [
        "the", "river", "quietly", "carries", "light", "across", "old", "stones", "while", "a",
        "market", "opens", "with", "bread", "and", "news", "from", "distant", "towns", "of",
        "copper", "roofs", "under", "clear", "skies", "every", "morning", "brings", "new", "voices",
    ]

    /// The text of choice `choice` for `prompt`, before `max_tokens` and `stop` apply.
    static func text(for prompt: String, choice: Int) -> String {
        let lowered = prompt.lowercased()
        if lowered.contains("sentiment") { return sentiment(of: reviewText(prompt)) }
        if lowered.contains("summari") || lowered.contains("summary") { return firstSentence(of: subject(prompt)) }
        var state = hash(prompt) &+ UInt64(choice) &* 0x9E37_79B9_7F4A_7C15
        let length = 4 + Int(next(&state) % 24)
        return " " + (0..<length).map { _ in vocabulary[Int(next(&state) % UInt64(vocabulary.count))] }.joined(separator: " ") + "."
    }

    static func sentiment(of text: String) -> String {
        var positive = 0, negative = 0
        for word in text.lowercased().split(whereSeparator: { !$0.isLetter }) {
            if positiveWords.contains(String(word)) { positive += 1 }
            if negativeWords.contains(String(word)) { negative += 1 }
        }
        return positive > negative ? "positive" : negative > positive ? "negative" : "neutral"
    }

    static func reviewText(_ prompt: String) -> String {
        guard let start = prompt.range(of: "Review:", options: .backwards) else { return prompt }
        let rest = prompt[start.upperBound...]
        if let end = rest.range(of: "\nSentiment:") { return String(rest[..<end.lowerBound]) }
        return String(rest)
    }

    static func subject(_ prompt: String) -> String {
        let lines = prompt.split(separator: "\n", omittingEmptySubsequences: false)
        if let index = lines.lastIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasSuffix(":") }), index + 1 < lines.count {
            let rest = lines[(index + 1)...].joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            if !rest.isEmpty { return rest }
        }
        return prompt.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func firstSentence(of text: String) -> String {
        var sentence = ""
        for character in text {
            if character == "\n" { break }
            sentence.append(character)
            if ".!?".contains(character) { break }
        }
        return " " + sentence.trimmingCharacters(in: .whitespaces)
    }

    /// FNV-1a over the UTF-8 bytes: stable across runs and machines.
    static func hash(_ text: String) -> UInt64 {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01B3
        }
        return value
    }

    static func next(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

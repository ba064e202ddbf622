import Testing
@testable import PromptmillTokenizer

/// Long pieces (a run of one letter, a DNA string, base64) are merged with a heap in
/// O(n log n); the tokens must be exactly those of tiktoken's scan for the lowest rank.
@Suite struct LongPieceTests {
    /// Both merges over the same piece: the heap's ranges against the scan's.
    static func ranges(_ text: String, _ encoding: TokenEncoding, heap: Bool) throws -> [Range<Int>] {
        let tokenizer = try Tokenizer.shared(encoding)
        var merge = BytePairMerge()
        var ranges: [Range<Int>] = []
        Array(text.utf8).withUnsafeBytes { piece in
            merge.merge(piece, table: tokenizer.table, heapAbove: heap ? 1 : .max) { ranges.append($0) }
        }
        return ranges
    }

    @Test(arguments: [TokenEncoding.cl100k_base, .o200k_base])
    func theHeapMergesExactlyAsTheScan(encoding: TokenEncoding) throws {
        var random = SystemRandomNumberGenerator()
        var texts = [String(repeating: "x", count: 3000), String(repeating: "ab", count: 900), String(repeating: "=", count: 700)]
        for alphabet in ["ACGT", "abcdefghij", "0123456789abcdef", "aé"] {
            let letters = Array(alphabet)
            for length in [300, 1200, 2500] {
                texts.append(String((0..<length).map { _ in letters[Int(random.next() % UInt64(letters.count))] }))
            }
        }
        for text in texts {
            #expect(
                try Self.ranges(text, encoding, heap: true) == Self.ranges(text, encoding, heap: false),
                "\(text.prefix(20))… (\(text.utf8.count) bytes)")
        }
    }

    /// A 100 KB run of one letter is counted at once (the scan took minutes).
    @Test func aVeryLongRunIsCounted() throws {
        let tokenizer = try Tokenizer.shared(.cl100k_base)
        let count = tokenizer.count(String(repeating: "x", count: 100_000))
        #expect(count > 0 && count < 100_000)
        #expect(tokenizer.decode(tokenizer.encode(String(repeating: "x", count: 5000))) == Array(String(repeating: "x", count: 5000).utf8))
    }
}

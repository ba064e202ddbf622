import Foundation
import Testing
import PromptmillTokenizer

/// The reference tokenizer's exact ids (tiktoken's encode_ordinary) for 2,229 strings in 18
/// categories: promptmill must produce the same ids, not only the same counts.
@Suite struct TokenVectorTests {
    struct Vector: Decodable {
        var id: String
        var text: String
        var cl100k_base: [Int]
        var o200k_base: [Int]
    }

    static let vectors: [Vector] = {
        guard let url = Bundle.module.url(forResource: "token-vectors", withExtension: "jsonl"),
              let data = FileManager.default.contents(atPath: url.path) else { return [] }
        // Split on \n only: some texts hold U+2028 and U+0085.
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? JSONDecoder().decode(Vector.self, from: Data($0)) }
    }()

    /// Every vector was read.
    @Test func allVectorsLoad() {
        #expect(Self.vectors.count == 2229)
    }

    /// cl100k_base ids equal the reference's for every string.
    @Test func cl100kIdsMatchReference() throws {
        let tokenizer = try Tokenizer.shared(.cl100k_base)
        var mismatches: [String] = []
        for vector in Self.vectors where tokenizer.encode(vector.text) != vector.cl100k_base {
            mismatches.append(vector.id)
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches: \(mismatches.prefix(20))")
        for vector in Self.vectors.prefix(500) { #expect(tokenizer.count(vector.text) == vector.cl100k_base.count) }
    }

    /// o200k_base ids equal the reference's for every string.
    @Test func o200kIdsMatchReference() throws {
        let tokenizer = try Tokenizer.shared(.o200k_base)
        var mismatches: [String] = []
        for vector in Self.vectors where tokenizer.encode(vector.text) != vector.o200k_base {
            mismatches.append(vector.id)
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches: \(mismatches.prefix(20))")
        for vector in Self.vectors.prefix(500) { #expect(tokenizer.count(vector.text) == vector.o200k_base.count) }
    }

    /// Decoding the ids gives back the text's bytes.
    @Test func decodeRoundTrips() throws {
        for encoding in TokenEncoding.allCases {
            let tokenizer = try Tokenizer.shared(encoding)
            for vector in Self.vectors.prefix(300) {
                #expect(tokenizer.decode(tokenizer.encode(vector.text)) == Array(vector.text.utf8))
            }
        }
    }
}

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
            let data = FileManager.default.contents(atPath: url.path)
        else { return [] }
        // Split on \n only: some texts hold U+2028 and U+0085.
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? JSONDecoder().decode(Vector.self, from: Data($0)) }
    }()

    /// Every vector was read.
    @Test func allVectorsLoad() {
        #expect(Self.vectors.count == 2229)
    }

    /// Each encoding's ids equal the reference's for every string, and `count` agrees.
    @Test(arguments: TokenEncoding.allCases)
    func idsMatchReference(_ encoding: TokenEncoding) throws {
        let tokenizer = try Tokenizer.shared(encoding)
        let expected = { (vector: Vector) in encoding == .cl100k_base ? vector.cl100k_base : vector.o200k_base }
        let mismatches = Self.vectors.filter { tokenizer.encode($0.text) != expected($0) }.map(\.id)
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches: \(mismatches.prefix(20))")
        let miscounted = Self.vectors.filter { tokenizer.count($0.text) != expected($0).count }.map(\.id)
        #expect(miscounted.isEmpty, "\(miscounted.count) wrong counts: \(miscounted.prefix(20))")
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

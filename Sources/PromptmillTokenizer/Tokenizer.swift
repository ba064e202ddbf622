import Crypto
import Foundation

/// An exact BPE tokenizer for cl100k_base and o200k_base: the same token ids as OpenAI's
/// reference (tiktoken's `encode_ordinary`), with no normalisation of the text, ever.
public final class Tokenizer: Sendable {
    public let encoding: TokenEncoding
    let table: RankTable

    /// Reads and checks (sha256) a `.tiktoken` rank file: one `base64(bytes) rank` a line.
    public init(encoding: TokenEncoding, rankFile: URL) throws {
        self.encoding = encoding
        guard let data = FileManager.default.contents(atPath: rankFile.path) else {
            throw TokenizerError.missingRankFile(rankFile.lastPathComponent)
        }
        let digest = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        guard digest == encoding.expectedSHA256 else {
            throw TokenizerError.checksumMismatch(file: rankFile.lastPathComponent, expected: encoding.expectedSHA256, found: digest)
        }
        table = RankTable(tokens: try RankFile.parse(Array(data), name: rankFile.lastPathComponent))
    }

    private static let cl100k = Result { try Tokenizer(encoding: .cl100k_base, rankFile: try bundled(.cl100k_base)) }
    private static let o200k = Result { try Tokenizer(encoding: .o200k_base, rankFile: try bundled(.o200k_base)) }

    /// The encoding's tokenizer, loaded once per process from the rank files promptmill carries.
    public static func shared(_ encoding: TokenEncoding) throws -> Tokenizer {
        switch encoding {
        case .cl100k_base: try cl100k.get()
        case .o200k_base: try o200k.get()
        }
    }

    private static func bundled(_ encoding: TokenEncoding) throws -> URL {
        guard let url = Bundle.module.url(forResource: encoding.rawValue, withExtension: "tiktoken") else {
            throw TokenizerError.missingRankFile("\(encoding.rawValue).tiktoken")
        }
        return url
    }

    /// The token ids of `text`.
    public func encode(_ text: String) -> [Int] {
        var tokens: [Int] = []
        tokens.reserveCapacity(text.utf8.count / 3)
        pieces(of: text) { piece, merge in
            if piece.count == 1 {
                tokens.append(table.rank(of: piece) ?? 0)
            } else if let rank = table.rank(of: piece) {
                tokens.append(rank)
            } else {
                merge.merge(piece, table: table) { range in
                    tokens.append(table.rank(of: UnsafeRawBufferPointer(rebasing: piece[range])) ?? 0)
                }
            }
        }
        return tokens
    }

    /// How many tokens `text` is, without building the ids.
    public func count(_ text: String) -> Int {
        var total = 0
        pieces(of: text) { piece, merge in
            if piece.count == 1 || table.rank(of: piece) != nil {
                total += 1
            } else {
                merge.merge(piece, table: table) { _ in total += 1 }
            }
        }
        return total
    }

    /// The bytes the tokens stand for.
    public func decode(_ tokens: [Int]) -> [UInt8] {
        tokens.flatMap { $0 >= 0 && $0 < table.count ? table.bytes(of: $0) : [] }
    }

    /// Calls `body` with each pre-tokenised piece's bytes (and a reusable merge scratch).
    private func pieces(of text: String, _ body: (UnsafeRawBufferPointer, inout BytePairMerge) -> Void) {
        var text = text
        var merge = BytePairMerge()
        text.withUTF8 { bytes in
            guard bytes.count > 0 else { return }
            ScalarClass.basicPlane.withUnsafeBufferPointer { classes in
                let splitter = PreTokenizer(encoding: encoding, scanner: ScalarScanner(bytes: bytes, table: classes))
                let raw = UnsafeRawBufferPointer(bytes)
                var start = 0
                while start < bytes.count {
                    let end = splitter.pieceEnd(from: start)
                    body(UnsafeRawBufferPointer(rebasing: raw[start..<end]), &merge)
                    start = end
                }
            }
        }
    }
}

/// Parses tiktoken's rank files: `base64(token bytes) rank` on each line, ranks 0..<n.
enum RankFile {
    static func parse(_ data: [UInt8], name: String) throws -> [[UInt8]] {
        var tokens: [[UInt8]] = []
        tokens.reserveCapacity(data.count / 12)
        var line = 0
        var index = 0
        while index < data.count {
            line += 1
            var end = index
            while end < data.count, data[end] != 0x0A { end += 1 }
            if end > index {
                guard let space = data[index..<end].firstIndex(of: 0x20),
                    let rank = Int(String(decoding: data[(space + 1)..<end], as: UTF8.self)),
                    let bytes = decodeBase64(data[index..<space])
                else {
                    throw TokenizerError.malformedRankFile(file: name, line: line)
                }
                guard rank == tokens.count else { throw TokenizerError.malformedRankFile(file: name, line: line) }
                tokens.append(bytes)
            }
            index = end + 1
        }
        return tokens
    }

    private static let alphabet: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (value, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(character)] = Int8(value)
        }
        return table
    }()

    static func decodeBase64(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(text.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for character in text {
            if character == UInt8(ascii: "=") { break }
            let value = alphabet[Int(character)]
            guard value >= 0 else { return nil }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return output
    }
}

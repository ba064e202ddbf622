import ArgumentParser
import Foundation
import PromptmillCore
import PromptmillTokenizer

struct TokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Exact token count of a text, as OpenAI's tokenizer counts it.")

    @Option(help: "cl100k_base or o200k_base.")
    var encoding: String?

    @Option(help: "Count as this model does (picks its encoding).")
    var model: String?

    @Flag(help: "Read lines {\"text\": ...} and print one count per line.")
    var jsonl = false

    @Argument(help: "A file to read, or - (the default) for standard input.")
    var file: String = "-"

    func run() throws {
        let chosen: TokenEncoding
        switch (encoding, model) {
        case (let name?, nil):
            guard let value = TokenEncoding(rawValue: name) else {
                throw ValidationError("unknown encoding '\(name)' — use cl100k_base or o200k_base")
            }
            chosen = value
        case (nil, let name?):
            guard let value = TokenEncoding.forModel(name) else {
                throw ValidationError("no known tokenizer for model '\(name)' — give --encoding cl100k_base or o200k_base")
            }
            chosen = value
        case (nil, nil):
            chosen = .o200k_base
        case (_?, _?):
            throw ValidationError("give --encoding or --model, not both")
        }
        let tokenizer = try Tokenizer.shared(chosen)
        let data: Data
        if file == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read \(file) — check the path")
            }
            data = contents
        }
        guard jsonl else {
            print(tokenizer.count(String(decoding: data, as: UTF8.self)))
            return
        }
        var output = ""
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            // The newline that ends the last line starts no line of its own.
            if line.isEmpty, index == lines.count - 1 { continue }
            let value = try Array(line).withUnsafeBytes { bytes in
                do {
                    return try JSONParser.parse(bytes)
                } catch {
                    throw ValidationError("\(file):\(index + 1): \(error) — each line must be {\"text\": ...}")
                }
            }
            guard case .object(let object) = value, case .string(let text)? = object["text"] else {
                throw ValidationError("\(file):\(index + 1): the line has no string field \"text\"")
            }
            output += String(tokenizer.count(text)) + "\n"
            if output.utf8.count > 1 << 16 {
                FileHandle.standardOutput.write(Data(output.utf8))
                output = ""
            }
        }
        FileHandle.standardOutput.write(Data(output.utf8))
    }
}

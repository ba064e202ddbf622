import Foundation

/// A sample pipeline copied into a benchmark's own folder with a few keys of its top-level
/// blocks set: the input read where the sample reads it, the output, cache and limits
/// the benchmark's own. Edits the text line by line, so the sample's comments and layout
/// stay as they are; a block missing from the sample is appended.
struct BenchPipelineCopy {
    private var lines: [String]

    /// Reads the sample at `path` and points its `input.path` at the same file, absolute.
    init(sample path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        lines = text.components(separatedBy: "\n")
        guard let input = value(block: "input", key: "path") else {
            throw BenchmarkError.usage("\(path): no input.path to copy the pipeline from")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        let absolute = input.hasPrefix("/") ? input : folder.appendingPathComponent(input).standardizedFileURL.path
        try set(block: "input", key: "path", to: absolute)
    }

    var text: String { lines.joined(separator: "\n") }

    /// Lines `start..<end` of the top-level block `name:` (its key line first).
    private func block(_ name: String) -> Range<Int>? {
        guard let start = lines.firstIndex(where: { $0.hasPrefix(name + ":") }) else { return nil }
        var end = start + 1
        while end < lines.count, lines[end].isEmpty || lines[end].hasPrefix(" ") || lines[end].hasPrefix("#") { end += 1 }
        return start..<end
    }

    /// The value of `  key:` in a block written one key a line.
    func value(block name: String, key: String) -> String? {
        guard let range = block(name) else { return nil }
        let prefix = "  \(key):"
        return lines[range].first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces) }
    }

    /// Sets `key` in the top-level block `name` (written one key a line), adding the key or
    /// the block when missing. `value` is YAML as it is written.
    mutating func set(block name: String, key: String, to value: String) throws {
        let line = "  \(key): \(value)"
        guard let range = block(name) else {
            if lines.last == "" { lines.removeLast() }
            lines += ["\(name):", line, ""]
            return
        }
        guard lines[range.lowerBound].trimmingCharacters(in: .whitespaces) == "\(name):" else {
            throw BenchmarkError.usage("the sample's \(name): is written on one line; write it one key a line to benchmark it")
        }
        if let index = lines[range].firstIndex(where: { $0.hasPrefix("  \(key):") }) {
            lines[index] = line
        } else {
            lines.insert(line, at: range.lowerBound + 1)
        }
    }

    func write(to path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}

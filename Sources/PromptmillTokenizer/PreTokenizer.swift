/// Splits text into the pieces BPE then encodes, exactly as tiktoken's regular expressions
/// for cl100k_base and o200k_base do, but by hand over UTF-8 bytes: the regex engine is
/// tiktoken's own bottleneck.
///
/// cl100k_base: `'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`
///
/// o200k_base: `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?`
/// `|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?`
/// `|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
struct PreTokenizer {
    let encoding: TokenEncoding
    let scanner: ScalarScanner

    /// The end of the piece that starts at byte `start` (< count).
    @inline(__always)
    func pieceEnd(from start: Int) -> Int {
        encoding == .cl100k_base ? cl100kEnd(from: start) : o200kEnd(from: start)
    }

    private func cl100kEnd(from start: Int) -> Int {
        let count = scanner.count
        let (bits, length) = scanner.scalar(at: start)
        // '(?i:[sdmt]|ll|ve|re)
        if bits & ScalarClass.apostrophe != 0, let end = scanner.contraction(at: start) { return end }
        // [^\r\n\p{L}\p{N}]?+\p{L}++
        if bits & ScalarClass.letter != 0 { return scanner.run(from: start, matching: ScalarClass.letter) }
        if bits & (ScalarClass.newline | ScalarClass.letter | ScalarClass.number) == 0, start + length < count,
            scanner.scalar(at: start + length).bits & ScalarClass.letter != 0
        {
            return scanner.run(from: start + length, matching: ScalarClass.letter)
        }
        // \p{N}{1,3}+
        if bits & ScalarClass.number != 0 { return numbers(from: start) }
        // ' ?[^\s\p{L}\p{N}]++[\r\n]*+'
        if let end = punctuation(from: start, trailing: ScalarClass.newline) { return end }
        return whitespace(from: start, length: length, cl100k: true)
    }

    private func o200kEnd(from start: Int) -> Int {
        let (bits, length) = scanner.scalar(at: start)
        let canPrefix = bits & (ScalarClass.newline | ScalarClass.letter | ScalarClass.number) == 0
        // First alternative: prefix? upper* lower+ contraction?  (the optional prefix is
        // tried taken first, then left out, as a backtracking regex engine does)
        if canPrefix, let end = upperThenLower(from: start + length) { return scanner.contraction(at: end) ?? end }
        if let end = upperThenLower(from: start) { return scanner.contraction(at: end) ?? end }
        // Second alternative: prefix? upper+ lower* contraction?
        if canPrefix, let end = upperThenMaybeLower(from: start + length) { return scanner.contraction(at: end) ?? end }
        if let end = upperThenMaybeLower(from: start) { return scanner.contraction(at: end) ?? end }
        // \p{N}{1,3}
        if bits & ScalarClass.number != 0 { return numbers(from: start) }
        // ' ?[^\s\p{L}\p{N}]+[\r\n/]*'
        if let end = punctuation(from: start, trailing: ScalarClass.newline, slash: true) { return end }
        return whitespace(from: start, length: length, cl100k: false)
    }

    /// `[upper]*[lower]+` from `origin`: the greedy upper run, then backtracking until a
    /// lower run can start; nil when none can.
    @inline(__always)
    private func upperThenLower(from origin: Int) -> Int? {
        guard origin < scanner.count else { return nil }
        let upper = scanner.run(from: origin, matching: ScalarClass.upperish)
        if upper < scanner.count, scanner.scalar(at: upper).bits & ScalarClass.lowerish != 0 {
            return scanner.run(from: upper, matching: ScalarClass.lowerish)
        }
        // Give back upper-run scalars until one that is also lower-ish: it ends the match.
        var end = upper
        while end > origin {
            let scalarStart = scanner.start(ofScalarEndingAt: end)
            if scanner.scalar(at: scalarStart).bits & ScalarClass.lowerish != 0 { return end }
            end = scalarStart
        }
        return nil
    }

    /// `[upper]+[lower]*` from `origin`, or nil.
    @inline(__always)
    private func upperThenMaybeLower(from origin: Int) -> Int? {
        guard origin < scanner.count, scanner.scalar(at: origin).bits & ScalarClass.upperish != 0 else { return nil }
        let upper = scanner.run(from: origin, matching: ScalarClass.upperish)
        return scanner.run(from: upper, matching: ScalarClass.lowerish)
    }

    /// One to three number scalars.
    @inline(__always)
    private func numbers(from start: Int) -> Int {
        var end = start
        for _ in 0..<3 {
            guard end < scanner.count else { break }
            let (bits, length) = scanner.scalar(at: end)
            guard bits & ScalarClass.number != 0 else { break }
            end += length
        }
        return end
    }

    /// An optional space, a run of scalars that are neither space, letter nor number, then
    /// newlines (and slashes, for o200k).
    @inline(__always)
    private func punctuation(from start: Int, trailing: UInt8, slash: Bool = false) -> Int? {
        var origin = start
        if scanner.bytes[start] == 0x20 { origin += 1 }
        guard origin < scanner.count,
            scanner.scalar(at: origin).bits & (ScalarClass.space | ScalarClass.letter | ScalarClass.number) == 0
        else {
            return nil
        }
        var end = scanner.run(from: origin, avoiding: ScalarClass.space | ScalarClass.letter | ScalarClass.number)
        while end < scanner.count {
            let byte = scanner.bytes[end]
            guard byte == 0x0A || byte == 0x0D || (slash && byte == UInt8(ascii: "/")) else { break }
            end += 1
        }
        return end
    }

    /// The whitespace alternatives, in the order each encoding tries them.
    @inline(__always)
    private func whitespace(from start: Int, length: Int, cl100k: Bool) -> Int {
        let run = scanner.run(from: start, matching: ScalarClass.space)
        guard run > start else { return start + length }
        if cl100k, run == scanner.count { return run }  // \s++$
        if let end = scanner.lastNewline(in: start, run) { return end }  // \s*[\r\n] (o200k: \s*[\r\n]+)
        if run == scanner.count { return run }  // \s+(?!\S) at the end
        let last = scanner.start(ofScalarEndingAt: run)
        if last > start { return last }  // \s+(?!\S)
        return start + length  // \s / \s+
    }
}

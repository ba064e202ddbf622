/// What a file's bytes say about how it was saved, for errors that tell the user what to do:
/// spreadsheets save CSV as UTF-16 ("Unicode text") or in a legacy code page (Latin-1,
/// Windows-1252), and in a locale whose decimal comma makes `;` the list separator.
enum TextEncodingCheck {
    /// The encoding whose byte-order mark starts `bytes`, other than UTF-8's; nil when none.
    /// (UTF-32 LE's mark begins with UTF-16 LE's, so it is looked for first.)
    static func byteOrderMark(_ bytes: [UInt8]) -> String? {
        let marks: [(String, [UInt8])] = [
            ("UTF-32 LE", [0xFF, 0xFE, 0x00, 0x00]), ("UTF-32 BE", [0x00, 0x00, 0xFE, 0xFF]),
            ("UTF-16 LE", [0xFF, 0xFE]), ("UTF-16 BE", [0xFE, 0xFF]),
        ]
        if let mark = marks.first(where: { bytes.starts(with: $0.1) }) { return mark.0 }
        return utf16WithoutMark(bytes)
    }

    /// UTF-16 saved without a byte-order mark: text in Latin letters has a zero byte in
    /// every other place (after each letter in LE, before it in BE), which UTF-8 text of
    /// any language does not. Looks at the first 4 KB; nil when they do not show it.
    static func utf16WithoutMark(_ bytes: [UInt8]) -> String? {
        let sample = bytes.prefix(4096)
        guard sample.count >= 8 else { return nil }
        var zeros = (even: 0, odd: 0)
        for (index, byte) in sample.enumerated() where byte == 0 {
            if index % 2 == 0 { zeros.even += 1 } else { zeros.odd += 1 }
        }
        let pairs = sample.count / 2
        if zeros.odd * 10 >= pairs * 9, zeros.even * 10 < pairs { return "UTF-16 LE" }
        if zeros.even * 10 >= pairs * 9, zeros.odd * 10 < pairs { return "UTF-16 BE" }
        return nil
    }

    /// Said after "invalid UTF-8 at byte N": a lone byte of 0x80...0xFF is how Latin-1 and
    /// Windows-1252 write accented letters (0xE9 is "é"). Bytes 0x80...0x9F are control codes
    /// in Latin-1 but punctuation in Windows-1252 (0x92 is "’", Excel's apostrophe), so
    /// those are shown as Windows-1252 has them (its table: unicode.org, MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1252.TXT).
    static func hint(forInvalidByte byte: UInt8) -> String {
        guard byte >= 0x80 else { return "" }
        let hex = String(byte, radix: 16, uppercase: true)
        let shown: String
        if byte < 0xA0 {
            guard let scalar = windows1252[Int(byte) - 0x80] else { return " (byte 0x\(hex), which no common single-byte encoding uses as text)" }
            shown = "\"\(Character(scalar))\" in Windows-1252"
        } else {
            shown = "\"\(Character(UnicodeScalar(byte)))\" in Latin-1"
        }
        return
            " (byte 0x\(hex), \(shown): the file looks saved as Latin-1 or Windows-1252, not UTF-8 — convert it, e.g. `iconv -f WINDOWS-1252 -t UTF-8 IN > OUT`, or save it from Excel as \"CSV UTF-8\")"
    }

    /// Windows-1252's characters for bytes 0x80...0x9F; nil where it has none.
    private static let windows1252: [Unicode.Scalar?] = [
        0x20AC, nil, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, nil, 0x017D, nil,
        nil, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, nil, 0x017E, 0x0178,
    ].map { $0.flatMap(Unicode.Scalar.init) }

    /// A header read as a single column that holds another common delimiter: the name of
    /// that delimiter and how to set it.
    static func otherDelimiter(in header: String, than delimiter: UInt8) -> (name: String, setting: String)? {
        let candidates: [(UInt8, String, String)] = [
            (UInt8(ascii: ";"), ";", ";"), (0x09, "tab", "\\t"), (UInt8(ascii: "|"), "|", "|"), (UInt8(ascii: ","), ",", ","),
        ]
        return candidates.first { $0.0 != delimiter && header.utf8.contains($0.0) }.map { ($0.1, $0.2) }
    }
}

/// Text made safe for the report's page: `escaped` for HTML text and attributes, and
/// `scriptJSON` for JSON inside a `<script>` element (no `<`, `>` or `&` left, so no
/// `</script>` or `<!--` can end it early; `JSON.parse` reads the `\u` escapes back).
enum HTMLText {
    static func escaped(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }

    /// `json` (JSON text) with `<`, `>`, `&`, U+2028 and U+2029 written as `\u` escapes;
    /// those characters only occur inside JSON strings, where the escapes mean the same.
    static func scriptJSON(_ json: String) -> String {
        var result = ""
        result.reserveCapacity(json.utf8.count)
        for character in json.unicodeScalars {
            switch character {
            case "<": result += "\\u003c"
            case ">": result += "\\u003e"
            case "&": result += "\\u0026"
            case "\u{2028}": result += "\\u2028"
            case "\u{2029}": result += "\\u2029"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }
}

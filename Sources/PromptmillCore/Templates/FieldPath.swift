/// A dotted path into a row, like `author.name`.
///
/// A key that itself contains dots (a CSV header `a.b`) is found too: the longest key that
/// matches a prefix of the path wins at each level.
struct FieldPath: Sendable, Equatable {
    let text: String
    let components: [String]

    init(_ text: String) {
        self.text = text
        components = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    func lookUp(in object: JSONObject) -> JSONValue? {
        if let value = object[text] { return value }
        return lookUp(components[...], in: object)
    }

    private func lookUp(_ components: ArraySlice<String>, in object: JSONObject) -> JSONValue? {
        var end = components.endIndex
        while end > components.startIndex {
            let key = components[components.startIndex..<end].joined(separator: ".")
            if let value = object[key] {
                if end == components.endIndex { return value }
                if case .object(let nested) = value, let found = lookUp(components[end...], in: nested) {
                    return found
                }
            }
            end -= 1
        }
        return nil
    }
}

import Foundation

/// A `multipart/form-data` body split into its fields (RFC 7578): what `POST /v1/files` reads.
struct MultipartForm {
    struct Field {
        var name: String
        var filename: String?
        var content: ArraySlice<UInt8>
    }

    var fields: [Field]

    func field(_ name: String) -> Field? { fields.first { $0.name == name } }

    /// nil when the content type is not multipart/form-data with a boundary, or the body is
    /// not framed by it.
    init?(contentType: String?, body: [UInt8]) {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data"),
            let boundary = Self.parameter("boundary", in: contentType), !boundary.isEmpty
        else { return nil }
        let delimiter = Array("--\(boundary)".utf8)
        let separator = Array("\r\n--\(boundary)".utf8)
        let blankLine = Array("\r\n\r\n".utf8)
        guard var position = Self.find(delimiter, in: body, from: 0) else { return nil }
        position += delimiter.count
        var fields: [Field] = []
        while true {
            // "--" after a delimiter closes the body.
            if body.count >= position + 2, body[position] == UInt8(ascii: "-"), body[position + 1] == UInt8(ascii: "-") { break }
            guard let headersEnd = Self.find(blankLine, in: body, from: position),
                let contentEnd = Self.find(separator, in: body, from: headersEnd + blankLine.count)
            else { return nil }
            let headers = String(decoding: body[position..<headersEnd], as: UTF8.self)
            var disposition = ""
            for line in headers.split(whereSeparator: \.isNewline) where line.lowercased().hasPrefix("content-disposition:") {
                disposition = String(line)
            }
            if let name = Self.parameter("name", in: disposition) {
                fields.append(
                    Field(
                        name: name, filename: Self.parameter("filename", in: disposition), content: body[(headersEnd + blankLine.count)..<contentEnd])
                )
            }
            position = contentEnd + separator.count
        }
        self.fields = fields
    }

    /// `key=value` or `key="value"` among a header's `;`-separated parameters.
    static func parameter(_ key: String, in header: String) -> String? {
        for part in header.split(separator: ";").dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == key else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }

    /// The first index of `pattern` in `bytes` at or after `start`.
    static func find(_ pattern: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard let first = pattern.first, bytes.count >= pattern.count else { return nil }
        return bytes.withUnsafeBufferPointer { haystack in
            var index = start
            let last = haystack.count - pattern.count
            while index <= last {
                if haystack[index] == first {
                    var matched = 1
                    while matched < pattern.count, haystack[index + matched] == pattern[matched] { matched += 1 }
                    if matched == pattern.count { return index }
                }
                index += 1
            }
            return nil
        }
    }
}

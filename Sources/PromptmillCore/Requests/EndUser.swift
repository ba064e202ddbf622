import Crypto

/// OpenAI's `user` parameter, filled per row from a field without sending the id itself.
enum EndUser {
    /// The hashed id in `field` of a row (its fields, or the context of a later step).
    static func id(in fields: JSONObject, field: String) throws(RowPreparer.RenderError) -> String {
        switch FieldPath(field).lookUp(in: fields) {
        case .string(let text)? where !text.isEmpty: return hash(text)
        case .number(let digits)?: return hash(digits)
        default: throw RowPreparer.RenderError(reason: "the row has no end-user id in '\(field)' (user_field)")
        }
    }

    /// Lowercase hex SHA-256 of the id: the same user always gets the same value, and no
    /// email address or name leaves the machine.
    static func hash(_ id: String) -> String {
        let digest = SHA256.hash(data: Array(id.utf8))
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(hex[Int(byte >> 4)])
            text.append(hex[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

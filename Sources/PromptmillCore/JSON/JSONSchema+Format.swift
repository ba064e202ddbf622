extension JSONSchema {
    /// The `format`s that are checked, each to the grammar its RFC gives. Any other format
    /// name is an annotation and checks nothing, as in JSON Schema by default.
    enum Format: String, Sendable {
        /// RFC 3339 `date-time`: `2024-05-01T12:30:00Z`, `T` and `Z` in either case.
        case dateTime = "date-time"
        /// RFC 3339 `full-date`, with the day checked against the month and leap years.
        case date
        /// RFC 3339 `full-time`: the offset is required; second 60 only when it is 23:59 UTC.
        case time
        /// RFC 3339 appendix A `duration`: `P1Y2M3DT4H5M6S`, `P2W`; no fractions.
        case duration
        /// RFC 5321 `Mailbox`: dot-atom or quoted local part, host name or `[address]`.
        case email
        /// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
        case hostname
        case ipv4
        case ipv6
        /// RFC 9562 text form: 8-4-4-4-12 hexadecimal digits.
        case uuid

        var noun: String {
            switch self {
            case .dateTime: "date-time"
            case .date: "date"
            case .time: "time"
            case .duration: "duration"
            case .email: "email address"
            case .hostname: "host name"
            case .ipv4: "IPv4 address"
            case .ipv6: "IPv6 address"
            case .uuid: "UUID"
            }
        }

        func accepts(_ text: String) -> Bool {
            let bytes = Array(text.utf8)
            switch self {
            case .dateTime:
                guard bytes.count > 11, bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") else { return false }
                return Self.isDate(bytes[..<10]) && Self.isTime(bytes[11...])
            case .date: return Self.isDate(bytes[...])
            case .time: return Self.isTime(bytes[...])
            case .duration: return Self.isDuration(bytes)
            case .email: return Self.isEmail(bytes)
            case .hostname: return Self.isHostname(bytes[...])
            case .ipv4: return Self.isIPv4(bytes[...])
            case .ipv6: return Self.isIPv6(bytes[...])
            case .uuid: return Self.isUUID(bytes)
            }
        }

        // MARK: Dates and times

        private static func isDate(_ bytes: ArraySlice<UInt8>) -> Bool {
            let text = Array(bytes)
            guard text.count == 10, text[4] == UInt8(ascii: "-"), text[7] == UInt8(ascii: "-"),
                let year = number(text[0..<4]), let month = number(text[5..<7]), let day = number(text[8..<10])
            else { return false }
            let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
            let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            return (1...12).contains(month) && (1...lengths[month - 1]).contains(day)
        }

        private static func isTime(_ bytes: ArraySlice<UInt8>) -> Bool {
            let text = Array(bytes)
            guard text.count >= 9, text[2] == UInt8(ascii: ":"), text[5] == UInt8(ascii: ":"),
                let hour = number(text[0..<2]), let minute = number(text[3..<5]), let second = number(text[6..<8]),
                hour <= 23, minute <= 59, second <= 60
            else { return false }
            var index = 8
            if text[index] == UInt8(ascii: ".") {
                index += 1
                let start = index
                while index < text.count, isDigit(text[index]) { index += 1 }
                guard index > start else { return false }
            }
            guard index < text.count else { return false }
            var offsetMinutes = 0
            switch text[index] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"):
                guard index + 1 == text.count else { return false }
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                guard index + 6 == text.count, text[index + 3] == UInt8(ascii: ":"),
                    let offsetHour = number(text[(index + 1)..<(index + 3)]), let offsetMinute = number(text[(index + 4)..<(index + 6)]),
                    offsetHour <= 23, offsetMinute <= 59
                else { return false }
                offsetMinutes = (offsetHour * 60 + offsetMinute) * (text[index] == UInt8(ascii: "+") ? 1 : -1)
            default:
                return false
            }
            // A leap second is inserted at 23:59:60 UTC only.
            guard second == 60 else { return true }
            let utc = ((hour * 60 + minute - offsetMinutes) % 1440 + 1440) % 1440
            return utc == 23 * 60 + 59
        }

        private static func isDuration(_ bytes: [UInt8]) -> Bool {
            guard bytes.first == UInt8(ascii: "P") else { return false }
            var dateUnits: [UInt8] = []
            var timeUnits: [UInt8] = []
            var inTime = false
            var index = 1
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "T") {
                    guard !inTime else { return false }
                    inTime = true
                    index += 1
                    continue
                }
                let start = index
                while index < bytes.count, isDigit(bytes[index]) { index += 1 }
                guard index > start, index < bytes.count else { return false }
                if inTime { timeUnits.append(bytes[index]) } else { dateUnits.append(bytes[index]) }
                index += 1
            }
            // Units come in order, without a gap: Y M D, then after T, H M S; or weeks alone.
            func isRun(_ units: [UInt8], of order: String) -> Bool {
                let order = Array(order.utf8)
                guard let first = units.first, let start = order.firstIndex(of: first) else { return false }
                return start + units.count <= order.count && Array(order[start..<(start + units.count)]) == units
            }
            if dateUnits == [UInt8(ascii: "W")] { return !inTime }
            if inTime && timeUnits.isEmpty { return false }
            if dateUnits.isEmpty && timeUnits.isEmpty { return false }
            return (dateUnits.isEmpty || isRun(dateUnits, of: "YMD")) && (timeUnits.isEmpty || isRun(timeUnits, of: "HMS"))
        }

        // MARK: Names and addresses

        private static func isEmail(_ bytes: [UInt8]) -> Bool {
            var index = 0
            if bytes.first == UInt8(ascii: "\"") {
                // Quoted-string: printable ASCII but `"` and `\`, or `\` and any printable.
                index = 1
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    guard index < bytes.count, (32...126).contains(bytes[index]) else { return false }
                    index += 1
                }
                guard index < bytes.count else { return false }
                index += 1
            } else {
                // Dot-string: atoms of atext joined by single dots.
                let atext = Set("!#$%&'*+-/=?^_`{|}~".utf8)
                var atomLength = 0
                while index < bytes.count, bytes[index] != UInt8(ascii: "@") {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: ".") {
                        guard atomLength > 0 else { return false }
                        atomLength = 0
                    } else {
                        guard isLetterOrDigit(byte) || atext.contains(byte) else { return false }
                        atomLength += 1
                    }
                    index += 1
                }
                guard atomLength > 0 else { return false }
            }
            guard index <= 64, index < bytes.count, bytes[index] == UInt8(ascii: "@") else { return false }
            let domain = bytes[(index + 1)...]
            guard domain.first == UInt8(ascii: "["), domain.last == UInt8(ascii: "]"), domain.count >= 2 else {
                return isHostname(domain)
            }
            let literal = domain.dropFirst().dropLast()
            let tag = Array("ipv6:".utf8)
            if literal.count > tag.count, zip(literal, tag).allSatisfy({ $0 | 0x20 == $1 }) {
                return isIPv6(literal.dropFirst(tag.count))
            }
            return isIPv4(literal)
        }

        private static func isHostname(_ bytes: ArraySlice<UInt8>) -> Bool {
            guard !bytes.isEmpty, bytes.count <= 253 else { return false }
            return bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy { label in
                guard let first = label.first, let last = label.last, label.count <= 63 else { return false }
                return isLetterOrDigit(first) && isLetterOrDigit(last) && label.allSatisfy { isLetterOrDigit($0) || $0 == UInt8(ascii: "-") }
            }
        }

        private static func isIPv4(_ bytes: ArraySlice<UInt8>) -> Bool {
            let octets = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
            return octets.count == 4
                && octets.allSatisfy { octet in
                    guard (1...3).contains(octet.count), octet.allSatisfy(isDigit), let value = number(octet) else { return false }
                    return value <= 255 && (octet.count == 1 || octet.first != UInt8(ascii: "0"))
                }
        }

        private static func isIPv6(_ bytes: ArraySlice<UInt8>) -> Bool {
            // Groups of 1 to 4 hex digits, eight of them, or fewer around one `::`; the last
            // two may be written as an IPv4 address.
            let text = Array(bytes)
            let halves = split(text, on: Array("::".utf8))
            guard halves.count <= 2 else { return false }
            var groups = 0
            for (position, half) in halves.enumerated() where !half.isEmpty {
                let parts = half.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
                for (index, part) in parts.enumerated() {
                    let isLastOfAll = position == halves.count - 1 && index == parts.count - 1
                    if isLastOfAll, part.contains(UInt8(ascii: ".")) {
                        guard isIPv4(part) else { return false }
                        groups += 2
                    } else {
                        guard (1...4).contains(part.count), part.allSatisfy(isHexDigit) else { return false }
                        groups += 1
                    }
                }
            }
            return halves.count == 2 ? groups <= 7 : groups == 8
        }

        private static func isUUID(_ bytes: [UInt8]) -> Bool {
            guard bytes.count == 36 else { return false }
            return bytes.enumerated().allSatisfy { index, byte in
                [8, 13, 18, 23].contains(index) ? byte == UInt8(ascii: "-") : isHexDigit(byte)
            }
        }

        // MARK: Bytes

        private static func split(_ text: [UInt8], on separator: [UInt8]) -> [ArraySlice<UInt8>] {
            var pieces: [ArraySlice<UInt8>] = []
            var start = 0
            var index = 0
            while index + separator.count <= text.count {
                if Array(text[index..<(index + separator.count)]) == separator {
                    pieces.append(text[start..<index])
                    index += separator.count
                    start = index
                } else {
                    index += 1
                }
            }
            pieces.append(text[start...])
            return pieces
        }

        /// The value of a run of ASCII digits, or nil if any byte is not one.
        private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
            guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(isDigit) else { return nil }
            return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }

        private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        private static func isHexDigit(_ byte: UInt8) -> Bool { isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20) }

        private static func isLetterOrDigit(_ byte: UInt8) -> Bool { isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte | 0x20) }
    }
}

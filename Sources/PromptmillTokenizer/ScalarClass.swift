/// Character classes the pre-tokenisers test, as bits of one byte per Unicode scalar.
enum ScalarClass {
    static let letter: UInt8 = 0x01  // \p{L}
    static let number: UInt8 = 0x02  // \p{N}
    static let mark: UInt8 = 0x04  // \p{M}
    static let space: UInt8 = 0x08  // \s (White_Space)
    static let newline: UInt8 = 0x10  // \r or \n
    static let upperish: UInt8 = 0x20  // o200k's [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
    static let lowerish: UInt8 = 0x40  // o200k's [\p{Ll}\p{Lm}\p{Lo}\p{M}]
    static let apostrophe: UInt8 = 0x80  // '

    /// Classes of every scalar of the Basic Multilingual Plane, computed once.
    static let basicPlane: [UInt8] = (0..<0x10000).map { value in
        guard let scalar = Unicode.Scalar(UInt32(value)) else { return 0 }
        return classify(scalar)
    }

    static func of(_ value: UInt32) -> UInt8 {
        if value < 0x10000 { return basicPlane[Int(value)] }
        guard let scalar = Unicode.Scalar(value) else { return 0 }
        return classify(scalar)
    }

    static func classify(_ scalar: Unicode.Scalar) -> UInt8 {
        var bits: UInt8 = 0
        let properties = scalar.properties
        switch properties.generalCategory {
        case .uppercaseLetter, .titlecaseLetter: bits |= letter | upperish
        case .lowercaseLetter: bits |= letter | lowerish
        case .modifierLetter, .otherLetter: bits |= letter | upperish | lowerish
        case .nonspacingMark, .spacingMark, .enclosingMark: bits |= mark | upperish | lowerish
        case .decimalNumber, .letterNumber, .otherNumber: bits |= number
        default: break
        }
        if properties.isWhitespace { bits |= space }
        if scalar == "\r" || scalar == "\n" { bits |= newline }
        if scalar == "'" { bits |= apostrophe }
        return bits
    }
}

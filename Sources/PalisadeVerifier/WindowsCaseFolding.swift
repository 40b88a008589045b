/// How Windows compares names on an NTFS volume: each UTF-16 unit upper-cased on its own, by the
/// volume's `$UpCase` table (one-to-one mappings of the Basic Multilingual Plane, no
/// normalisation). So `LOGON.CMD` and `logon.cmd` name one file, `straße` never matches
/// `STRASSE`, and `café` written with a combining accent is another name than `café` precomposed.
/// A name that is not UTF-8 (possible on a volume written from Linux) compares by its bytes.
enum WindowsCaseFolding {
    /// The form two names are compared in: equal bytes, same name for Windows.
    static func fold(_ bytes: some Collection<UInt8>) -> [UInt8] {
        if bytes.allSatisfy({ $0 < 0x80 }) {
            return bytes.map { (0x61...0x7A).contains($0) ? $0 - 0x20 : $0 }
        }
        guard let name = String(validating: bytes, as: UTF8.self) else { return Array(bytes) }
        return Array(fold(name).utf8)
    }

    /// `fold` for text that is already a `String`.
    static func fold(_ name: String) -> String {
        var folded = String.UnicodeScalarView()
        for scalar in name.unicodeScalars {
            folded.append(upper(scalar))
        }
        return String(folded)
    }

    /// The simple (one-to-one) upper case of a BMP scalar; other scalars are left as they are, as
    /// NTFS leaves surrogate pairs and characters whose upper case is longer (`ß` → `SS`).
    private static func upper(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        if scalar.isASCII {
            return (0x61...0x7A).contains(scalar.value) ? Unicode.Scalar(UInt8(scalar.value - 0x20)) : scalar
        }
        guard scalar.value <= 0xFFFF else { return scalar }
        let mapped = scalar.properties.uppercaseMapping.unicodeScalars
        guard mapped.count == 1, let first = mapped.first, first.value <= 0xFFFF else { return scalar }
        return first
    }
}

import PalisadeModel

/// How Palisade writes values into AppArmor 3.0.8 policy text so that no value can change the
/// policy's structure.
///
/// - Every path is double-quoted. Inside the quotes only `[A-Za-z0-9/._+-]` is written as is;
///   every other byte (space, `,`, `"`, `\`, `#`, newline, `* ? [ ] { } ^ @`, non-ASCII…) becomes a
///   three-digit octal escape `\ooo`, which the parser always reads as that literal byte. So a value
///   cannot close the quotes, end the rule, start a comment, add a rule or a profile, name a variable
///   (`@{…}`) or act as a glob.
/// - The only glob characters in generated text come from typed constructs (``Shape``): a directory
///   rule's raw `**`, written after the encoded prefix.
/// - Profile names are not quoted and must match `[A-Za-z0-9][A-Za-z0-9._-]*`.
/// - Comments carry printable ASCII only (anything else becomes `?`), so they end at the line's end.
enum AppArmorEncoding {
    /// Bytes written as themselves.
    static func isSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// `bytes` with every byte outside the safe set as `\ooo`; no quotes.
    static func escaped<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount + 16)
        escapeBytewise(bytes, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// ``isSafe(_:)`` of every byte value.
    private static let safeBytes: [Bool] = (0...255).map { isSafe(UInt8($0)) }

    /// Appends `bytes` escaped as ``escaped(_:)`` writes them: runs of safe bytes in one copy.
    static func escape<Sink: ByteSink & ~Copyable>(_ bytes: [UInt8], into out: inout Sink) {
        safeBytes.withUnsafeBufferPointer { safe in
            bytes.withUnsafeBufferPointer { bytes in
                var start = 0  // first byte not yet copied
                for i in bytes.indices where !safe[Int(bytes[i])] {
                    out.append(bytes: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                    out.append(UInt8(ascii: "\\"))
                    out.append(0x30 + (bytes[i] >> 6))
                    out.append(0x30 + (bytes[i] >> 3 & 7))
                    out.append(0x30 + (bytes[i] & 7))
                    start = i + 1
                }
                out.append(bytes: UnsafeBufferPointer(rebasing: bytes[start...]))
            }
        }
    }

    /// Appends `bytes` escaped as ``escaped(_:)`` writes them, one byte at a time, from any sequence.
    static func escapeBytewise<Bytes: Sequence>(_ bytes: Bytes, into out: inout [UInt8]) where Bytes.Element == UInt8 {
        for byte in bytes {
            if isSafe(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "\\"))
                out.append(0x30 + (byte >> 6))
                out.append(0x30 + (byte >> 3 & 7))
                out.append(0x30 + (byte & 7))
            }
        }
    }

    /// A literal path as a quoted AppArmor word.
    static func quoted(_ path: [UInt8]) -> String { "\"" + escaped(path) + "\"" }

    /// Why `path` cannot be written as an AppArmor path, or nil. (Everything but NUL can be encoded;
    /// AppArmor paths are absolute.)
    static func problem(withPath path: String) -> String? {
        if path.isEmpty { return "is empty" }
        if path.containsUTF8Byte(where: { $0 == 0 }) { return "contains a NUL byte, which AppArmor cannot express" }
        if !path.hasPrefix("/") { return "is not absolute" }
        return nil
    }

    /// Profile names: `[A-Za-z0-9][A-Za-z0-9._-]*`, at most 128 bytes (no `//` children, no `:ns:`
    /// namespaces, no spaces or braces).
    static func isSafeProfileName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 128 else { return false }
        func isAlnum(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
        }
        return isAlnum(first) && name.utf8.allSatisfy { isAlnum($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
    }

    /// Text for a `#` comment: printable ASCII only, so it cannot end the line.
    static func comment(_ text: String) -> String {
        if text.allUTF8Bytes(satisfy: { $0 >= 0x20 && $0 < 0x7F }) { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value >= 0x20 && $0.value < 0x7F ? $0 : "?" }))
    }
}

/// A path pattern built only from typed constructs; its literal part is always encoded.
struct AppArmorPattern: Hashable, Comparable {
    enum Shape: Int, Hashable, Comparable {
        /// Exactly this file (or, for a literal ending in `/`, this directory itself).
        case exact
        /// Anything below the directory: `<dir>/**`.
        case below
        /// The directory and anything below it: `<dir>/{,**}`.
        case selfAndBelow

        static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    /// A file path, or a directory ending in `/` for ``Shape/below`` and ``Shape/selfAndBelow``.
    /// Bytes, not `String`: Swift compares strings by canonical equivalence, AppArmor by bytes.
    let literal: [UInt8]
    let shape: Shape

    static func file(_ path: [UInt8]) -> AppArmorPattern { AppArmorPattern(literal: path, shape: .exact) }
    static func below(_ directory: [UInt8]) -> AppArmorPattern {
        AppArmorPattern(literal: directory.last == slash ? directory : directory + [slash], shape: .below)
    }
    static func selfAndBelow(_ directory: [UInt8]) -> AppArmorPattern {
        AppArmorPattern(literal: directory.last == slash ? directory : directory + [slash], shape: .selfAndBelow)
    }

    static let slash = UInt8(ascii: "/")

    /// The literal's bytes in one call (an array's own hashing feeds the hasher byte by byte).
    func hash(into hasher: inout Hasher) {
        literal.withUnsafeBytes { hasher.combine(bytes: $0) }
        hasher.combine(shape)
    }

    /// Appends the quoted AppArmor word: encoded literal, then the shape's raw glob.
    func appendText<Sink: ByteSink & ~Copyable>(to bytes: inout Sink) {
        bytes.append(0x22)
        AppArmorEncoding.escape(literal, into: &bytes)
        switch shape {
        case .exact: break
        case .below: bytes.appendUTF8("**")
        case .selfAndBelow: bytes.appendUTF8("{,**}")
        }
        bytes.append(0x22)
    }

    /// Byte order of the literal, then shape: stable whatever order rules were written in.
    static func < (a: Self, b: Self) -> Bool {
        if let order = ByteOrder.precedes(a.literal, b.literal) { return order }
        return a.shape < b.shape
    }
}


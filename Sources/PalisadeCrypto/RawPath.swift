#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A file system path as the kernel sees it: bytes, not necessarily UTF-8.
///
/// Endpoint trees contain names that are not valid UTF-8; a `String` would silently replace
/// those bytes, so everything that touches the file system keeps the bytes.
public struct RawPath: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }
    public init(_ string: String) { self.bytes = Array(string.utf8) }

    /// Lossy display form (invalid UTF-8 shows as U+FFFD). Never use it to open a file.
    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// For people to read and tell apart: the text where the bytes are UTF-8, and each byte of an
    /// invalid sequence as `\xHH`, so `x\xff` and `x\xfe` do not both show as `x\u{FFFD}`.
    /// Never use it to open a file, nor to compare paths.
    public var displayText: String {
        if let text = string { return text }
        var out = ""
        var position = 0
        var bytesLeft = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        while true {
            switch parser.parseScalar(from: &bytesLeft) {
            case .valid(let encoded):
                out.unicodeScalars.append(Unicode.UTF8.decode(encoded))
                position += encoded.count
            case .error(let length):
                for byte in bytes[position..<(position + length)] { out += Self.escaped(byte) }
                position += length
            case .emptyInput:
                return out
            }
        }
    }

    /// `\xHH`, lower-case hex.
    public static func escaped(_ byte: UInt8) -> String {
        let hex = Array("0123456789abcdef")
        return "\\x" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
    }

    /// The path as a String when its bytes are valid UTF-8.
    public var string: String? { String(validating: bytes, as: UTF8.self) }

    public var isAbsolute: Bool { bytes.first == UInt8(ascii: "/") }

    /// Hashes the bytes in one call (the synthesized conformance feeds them one by one, which
    /// dominated verify's bookkeeping on 100,000-file trees).
    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        hasher.combine(bytes.count)
    }

    public static func == (a: RawPath, b: RawPath) -> Bool { a.bytes == b.bytes }

    /// Byte-wise order, the order `LC_ALL=C sort` gives.
    public static func < (a: RawPath, b: RawPath) -> Bool { precedes(a.bytes, b.bytes) }

    /// Byte-wise order of two names or paths, with `memcmp`: sorting a 50,000-file listing spent
    /// more time in the generic element-by-element comparison than in anything else but hashing.
    /// (PalisadeModel's `ByteOrder` does the same for Strings; this module does not depend on it.)
    static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in precedes(x, y) } }
    }

    /// ``precedes(_:_:)`` of bytes in place.
    static func precedes(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
        let common = min(x.count, y.count)
        if common > 0 {
            let order = memcmp(x.baseAddress!, y.baseAddress!, common)
            if order != 0 { return order < 0 }
        }
        return x.count < y.count
    }

    /// Positions of `ranges` (slices of `bytes`) in the byte order of their slices; equal slices
    /// keep their order. Sorting positions against one buffer copies nothing per comparison,
    /// where sorting arrays of names or paths retains and releases them in every step.
    static func order(of ranges: [Range<Int>], in bytes: [UInt8]) -> [Int] {
        bytes.withUnsafeBufferPointer { bytes in
            ranges.withUnsafeBufferPointer { ranges in
                ranges.indices.sorted { a, b in
                    precedes(UnsafeBufferPointer(rebasing: bytes[ranges[a]]), UnsafeBufferPointer(rebasing: bytes[ranges[b]]))
                }
            }
        }
    }

    /// `self/name`, without doubling a trailing slash.
    public func appending(_ name: [UInt8]) -> RawPath { appending(name[...]) }

    /// `self/name` for a name that is a slice of a larger buffer.
    func appending(_ name: ArraySlice<UInt8>) -> RawPath {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 1 + name.count)
        out.append(contentsOf: bytes)
        if out.last != UInt8(ascii: "/") { out.append(UInt8(ascii: "/")) }
        out.append(contentsOf: name)
        return RawPath(bytes: out)
    }

    public func appending(_ name: String) -> RawPath { appending(Array(name.utf8)) }

    /// The last path component's bytes.
    public var lastComponent: [UInt8] {
        var trimmed = bytes[...]
        while trimmed.count > 1, trimmed.last == UInt8(ascii: "/") { trimmed = trimmed.dropLast() }
        if let slash = trimmed.lastIndex(of: UInt8(ascii: "/")) { return Array(trimmed[(slash + 1)...]) }
        return Array(trimmed)
    }

    /// Calls `body` with a NUL-terminated copy of the path. Paths containing NUL cannot exist.
    public func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        var copy = bytes
        copy.append(0)
        return try copy.withUnsafeBufferPointer { buffer in
            try buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count, body)
        }
    }
}

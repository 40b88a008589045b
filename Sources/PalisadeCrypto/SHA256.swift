import CCryptoShim

/// A SHA-256 digest: 32 bytes, printed as 64 lower-case hex digits.
///
/// The bytes are held in the value itself, not in an array: a digest costs no allocation, and
/// copying one retains nothing (the engine makes one per file, 50,000 for a small-file tree).
public struct SHA256Digest: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public static let byteCount = 32

    /// The 32 bytes in order, in the memory of four words (their numeric values are not used).
    private var storage: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// The 32 digest bytes.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Calls `body` with the 32 bytes in place.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: storage, body)
    }

    /// A digest filled by `fill`, which must write all 32 bytes.
    init(filling fill: (UnsafeMutableRawBufferPointer) -> Void) {
        Swift.withUnsafeMutableBytes(of: &storage, fill)
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.init { $0.copyBytes(from: bytes) }
    }

    /// Parses 64 hex digits. Upper case is accepted here; ``hex`` always prints lower case.
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var valid = true
        self.init { out in
            for i in 0..<32 {
                guard let hi = hexValue(utf8[2 * i]), let lo = hexValue(utf8[2 * i + 1]) else {
                    valid = false
                    return
                }
                out[i] = hi << 4 | lo
            }
        }
        guard valid else { return nil }
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.storage.0 == b.storage.0 && a.storage.1 == b.storage.1 && a.storage.2 == b.storage.2 && a.storage.3 == b.storage.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.0)
        hasher.combine(storage.1)
        hasher.combine(storage.2)
        hasher.combine(storage.3)
    }

    public var hex: String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        appendHex(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the 64 lower-case hex digits to `out`, without making a String on the way
    /// (`palisade hash` writes one per file).
    public func appendHex(to out: inout [UInt8]) {
        withUnsafeBytes { PalisadeCrypto.appendHex(of: $0, to: &out) }
    }

    public var description: String { hex }

    /// Whether `text` is this digest's ``hex`` form (64 lower-case hex digits), compared digit by
    /// digit in place, without building that string (`verify` asks once per file).
    public func matches(hex text: String) -> Bool {
        var text = text
        text.makeContiguousUTF8()
        return text.utf8.withContiguousStorageIfAvailable { digits -> Bool in
            guard digits.count == 64 else { return false }
            return withUnsafeBytes { bytes in
                for (i, byte) in bytes.enumerated()
                where digits[2 * i] != hexDigit(byte >> 4) || digits[2 * i + 1] != hexDigit(byte & 0xF) {
                    return false
                }
                return true
            }
        } ?? (hex == text)
    }

    /// Byte-wise order.
    public static func < (a: Self, b: Self) -> Bool {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in x.lexicographicallyPrecedes(y) } }
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = SHA256Digest(hex: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "not a SHA-256 hex digest: \(text)"))
        }
        self = value
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}

/// A streaming SHA-256 hasher over Crypto++. Not copyable: one state, one owner.
public struct SHA256: ~Copyable {
    private let context: OpaquePointer

    public init() {
        guard let context = palisade_sha256_new() else { fatalError("out of memory allocating SHA-256 state") }
        self.context = context
    }

    deinit { palisade_sha256_free(context) }

    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard buffer.count > 0, let base = buffer.baseAddress else { return }
        let status = palisade_sha256_update(context, base.assumingMemoryBound(to: UInt8.self), buffer.count)
        precondition(status == 0, "SHA-256 update failed with status \(status)")
    }

    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let array = Array(bytes)
        array.withUnsafeBytes { update($0) }
    }

    /// Returns the digest and resets the state so the hasher can be reused.
    public mutating func finalize() -> SHA256Digest {
        var status: Int32 = 0
        let digest = SHA256Digest { out in
            status = palisade_sha256_final(context, out.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        precondition(status == 0, "SHA-256 final failed with status \(status)")
        return digest
    }

    /// One-shot digest of bytes in memory.
    public static func hash(_ bytes: some Sequence<UInt8>) -> SHA256Digest {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    public static func hash(_ buffer: UnsafeRawBufferPointer) -> SHA256Digest {
        var hasher = SHA256()
        hasher.update(buffer)
        return hasher.finalize()
    }

    /// The implementation Crypto++ selected on this CPU, e.g. "SHANI".
    public static var provider: String { String(cString: palisade_sha256_provider()) }
}

@inline(__always)
func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
    default: return nil
    }
}

/// The lower-case hex digit of a value 0...15.
@inline(__always)
func hexDigit(_ value: UInt8) -> UInt8 { value < 10 ? value &+ 0x30 : value &+ 0x57 }

/// Appends the lower-case hex digits of `bytes` to `out`: written into a temporary, then
/// copied once, instead of two appends per byte.
func appendHex(of bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 2 * bytes.count) { digits in
        for (index, byte) in bytes.enumerated() {
            digits[2 * index] = hexDigit(byte >> 4)
            digits[2 * index + 1] = hexDigit(byte & 0xF)
        }
        out.append(contentsOf: UnsafeBufferPointer(digits))
    }
}

/// Lower-case hex of arbitrary bytes.
public func hexString(_ bytes: some Sequence<UInt8>) -> String {
    var out = [UInt8]()
    Array(bytes).withUnsafeBytes { appendHex(of: $0, to: &out) }
    return String(decoding: out, as: UTF8.self)
}

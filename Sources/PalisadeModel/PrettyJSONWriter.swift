/// Writes JSON text straight into bytes, in exactly the layout of Foundation's `JSONEncoder` with
/// `[.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]`: two-space indentation, `"key" : value`,
/// empty containers as `[\n\n]`, and the same string escapes (`\"`, `\\`, `\b`, `\f`, `\n`, `\r`,
/// `\t`, `\u00xx` for other control characters, everything else as raw UTF-8).
///
/// It is the fast path for large documents (a bundle manifest lists every rule). It does not sort:
/// callers write members in byte order of their keys, and tests compare the result with
/// `JSONEncoder` so the two cannot drift apart.
public struct PrettyJSONWriter: ~Copyable {
    private var buffer: ByteBuffer
    private var depth = 0
    /// No member written yet in the innermost open container.
    private var empty = true

    public init(capacity: Int = 0) { buffer = ByteBuffer(capacity: capacity) }

    /// What was written, as an array (one copy).
    public var bytes: [UInt8] { buffer.array }

    /// How many bytes are written and not yet drained.
    public var count: Int { buffer.count }

    /// Hands what was written so far to `body` and empties the buffer; the layout goes on where
    /// it was. For documents written out piece by piece, such as a long streamed list.
    public mutating func drain(_ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        buffer.withUnsafeBytes(body)
        buffer.removeAll()
    }

    // MARK: containers

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// Starts an object member: what follows is its value.
    public mutating func key(_ name: String) {
        separate()
        string(name)
        buffer.append(0x20); buffer.append(UInt8(ascii: ":")); buffer.append(0x20)
    }

    /// A member name encoded once (quoted, escaped, followed by ` : `), for keys written once per
    /// rule: `key(_:)` then copies it instead of scanning the name for escapes each time.
    public struct Key: Sendable {
        let encoded: [UInt8]

        public init(_ name: String) {
            var bytes: [UInt8] = []
            PrettyJSONWriter.appendString(name, to: &bytes)
            bytes += " : ".utf8
            encoded = bytes
        }
    }

    /// A member with a fixed value encoded once (`"decision" : "allow"`), for enumerations
    /// written once per rule.
    public struct Member: Sendable {
        let encoded: [UInt8]

        public init(_ key: Key, _ value: String) {
            var bytes = key.encoded
            PrettyJSONWriter.appendString(value, to: &bytes)
            encoded = bytes
        }
    }

    /// Writes a pre-encoded ``Member``.
    public mutating func member(_ member: Member) {
        separate()
        buffer.append(member.encoded)
    }

    /// Starts an object member named by a pre-encoded ``Key``.
    public mutating func key(_ key: Key) {
        separate()
        buffer.append(key.encoded)
    }

    /// A pre-encoded ``Key`` and a string value.
    public mutating func member(_ key: Key, _ value: String) {
        self.key(key)
        string(value)
    }

    /// Starts an array element: what follows is its value.
    public mutating func element() { separate() }

    // MARK: values

    public mutating func string(_ value: String) { Self.appendString(value, to: &buffer) }

    /// `value` as a JSON string, escaped as JSONEncoder escapes it, appended to `out`.
    public static func appendString<Sink: ByteSink & ~Copyable>(_ value: String, to out: inout Sink) {
        out.append(0x22)
        var value = value
        value.withUTF8 { utf8 in
            var start = 0  // first byte not yet copied
            while true {
                let i = ByteScan.firstControl(in: utf8, from: start, or: 0x22, 0x5C)  // or `"`, `\`
                if start < i { out.append(bytes: UnsafeBufferPointer(rebasing: utf8[start..<i])) }
                guard i < utf8.count else { break }
                escape(utf8[i], to: &out)
                start = i + 1
            }
        }
        out.append(0x22)
    }

    public mutating func integer<T: BinaryInteger>(_ value: T) { buffer.appendDecimal(value) }

    public mutating func bool(_ value: Bool) { buffer.appendUTF8(value ? "true" : "false") }

    /// `key` and a string value, in one call.
    public mutating func member(_ name: String, _ value: String) {
        key(name)
        string(value)
    }

    /// Ends the document with a newline, as bundle files do.
    public mutating func finish() { buffer.append(0x0A) }

    // MARK: layout

    private mutating func open(_ bracket: UInt8) {
        buffer.append(bracket)
        depth += 1
        empty = true
    }

    private mutating func close(_ bracket: UInt8) {
        depth -= 1
        if empty { buffer.append(0x0A) }
        newline()
        buffer.append(bracket)
        empty = false  // the container just closed was a member of its parent
    }

    private mutating func separate() {
        if !empty { buffer.append(UInt8(ascii: ",")) }
        empty = false
        newline()
    }

    /// A line feed and the indentation of the first 32 levels, copied from in one piece.
    private static let indentation: [UInt8] = [0x0A] + [UInt8](repeating: 0x20, count: 64)

    private mutating func newline() {
        let count = 1 + 2 * depth
        if count <= Self.indentation.count {
            Self.indentation.withUnsafeBufferPointer { buffer.append(bytes: UnsafeBufferPointer(rebasing: $0[..<count])) }
        } else {
            buffer.append(0x0A)
            for _ in 0..<(2 * depth) { buffer.append(0x20) }
        }
    }

    private static func escape<Sink: ByteSink & ~Copyable>(_ byte: UInt8, to out: inout Sink) {
        out.append(0x5C)
        switch byte {
        case 0x22: out.append(0x22)
        case 0x5C: out.append(0x5C)
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(UInt8(ascii: "f"))
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        default:
            let hex: StaticString = "0123456789abcdef"
            out.append(UInt8(ascii: "u")); out.append(0x30); out.append(0x30)
            out.append(hex.utf8Start[Int(byte >> 4)])
            out.append(hex.utf8Start[Int(byte & 0xF)])
        }
    }
}

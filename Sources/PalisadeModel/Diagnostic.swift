/// A compiler-style message about a policy: severity, where, which backend, what.
///
/// Rendered one per line on stderr, e.g.
/// `policies/acme.swift:12: error: sha256 9f86…08 is both allowed and denied for customer 'acme'`.
public struct Diagnostic: Codable, Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Codable, Hashable, Sendable, Comparable {
        case note, warning, error
        public static func < (a: Self, b: Self) -> Bool {
            let order: [Severity] = [.note, .warning, .error]
            return order.firstIndex(of: a)! < order.firstIndex(of: b)!
        }
    }

    public var severity: Severity
    public var message: String
    public var location: SourceLocation?
    /// Set when the message concerns one backend only.
    public var backend: Backend?
    /// Related locations ("denied here"), rendered as `note:` lines after this one.
    public var notes: [Diagnostic]
    /// The customer concerned, when there is one (JSON output and per-customer summaries).
    public var customer: String?

    public init(_ severity: Severity, _ message: String, at location: SourceLocation?, backend: Backend? = nil,
                notes: [Diagnostic] = []) {
        self.severity = severity
        self.message = message
        self.location = location
        self.backend = backend
        self.notes = notes
    }

    public static func error(_ message: String, at location: SourceLocation?, backend: Backend? = nil,
                             notes: [Diagnostic] = []) -> Diagnostic {
        Diagnostic(.error, message, at: location, backend: backend, notes: notes)
    }

    public static func warning(_ message: String, at location: SourceLocation?, backend: Backend? = nil,
                               notes: [Diagnostic] = []) -> Diagnostic {
        Diagnostic(.warning, message, at: location, backend: backend, notes: notes)
    }

    public static func note(_ message: String, at location: SourceLocation?) -> Diagnostic {
        Diagnostic(.note, message, at: location)
    }

    /// This message and its notes, one line each, without a trailing newline.
    public var description: String {
        var line = location.map { "\($0): " } ?? "palisade: "
        line += "\(severity.rawValue): "
        if let backend { line += "[\(backend.rawValue)] " }
        line += Diagnostic.singleLine(message)
        return ([line] + notes.map(\.description)).joined(separator: "\n")
    }

    /// Control characters in a message (a hostile path, say) are shown escaped: one diagnostic, one
    /// line. So are the invisible characters that reorder or break what a terminal shows (see
    /// ``appendSingleLine(_:to:)-(UnsafeBufferPointer<UInt8>,_)``).
    public static func singleLine(_ text: String) -> String {
        if !text.containsUTF8Byte(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 || $0 == 0xD8 || $0 == 0xE2 }) { return text }
        var out: [UInt8] = []
        appendSingleLine(Array(text.utf8), to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// ``singleLine(_:)`` of UTF-8 text, appended to `out` (for files written as bytes). Control
    /// characters are single bytes in UTF-8, so they can be found and escaped byte by byte; runs
    /// between them are copied in one append.
    public static func appendSingleLine(_ utf8: [UInt8], to out: inout [UInt8]) {
        utf8.withUnsafeBufferPointer { appendSingleLine($0, to: &out) }
    }

    /// ``appendSingleLine(_:to:)`` of bytes in place, into any sink.
    ///
    /// ASCII control characters become `\xNN`. Characters that a terminal or a log viewer does not
    /// show but acts on become `\u{NNNN}`: C1 controls (U+0085 NEXT LINE among them), the line and
    /// paragraph separators, and the bidirectional marks, embeddings, overrides and isolates, with
    /// which a file name such as `invoice\u{202E}fdp.exe` reads as `invoiceexe.pdf`.
    public static func appendSingleLine<Sink: ByteSink & ~Copyable>(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout Sink) {
        let hex: StaticString = "0123456789abcdef"
        var start = 0  // first byte not yet copied
        var from = 0   // where the next scan starts
        while true {
            let i = ByteScan.firstControl(in: bytes, from: from, or: 0x7F, 0x7F, orHighBytes: true)
            guard i < bytes.count else {
                out.append(bytes: UnsafeBufferPointer(rebasing: bytes[start...]))
                return
            }
            let lead = bytes[i]
            if lead < 0x80 {
                out.append(bytes: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                out.append(0x5C)
                out.append(0x78)
                out.append(hex.utf8Start[Int(lead >> 4)])
                out.append(hex.utf8Start[Int(lead & 0x0F)])
                start = i + 1
                from = start
                continue
            }
            let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
            if let scalar = invisibleFormatting(bytes, at: i) {
                out.append(bytes: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                for byte in "\\u{".utf8 { out.append(byte) }
                for shift in stride(from: 12, through: 0, by: -4) { out.append(hex.utf8Start[Int((scalar >> UInt32(shift)) & 0x0F)]) }
                out.append(UInt8(ascii: "}"))
                start = i + length
            }
            from = min(i + length, bytes.count)
        }
    }

    /// The scalar encoded at `i` when it is one that ``appendSingleLine(_:to:)-(UnsafeBufferPointer<UInt8>,_)``
    /// escapes: U+0080–U+009F, U+061C, U+200E, U+200F, U+2028–U+202E, U+2066–U+2069.
    static func invisibleFormatting(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> UInt32? {
        func byte(_ k: Int) -> UInt8? { i + k < bytes.count ? bytes[i + k] : nil }
        switch bytes[i] {
        case 0xC2:
            if let b = byte(1), (0x80...0x9F).contains(b) { return UInt32(b) }
        case 0xD8:
            if byte(1) == 0x9C { return 0x061C }
        case 0xE2:
            guard let b = byte(2) else { return nil }
            if byte(1) == 0x80, b == 0x8E || b == 0x8F || (0xA8...0xAE).contains(b) { return 0x2000 + UInt32(b - 0x80) }
            if byte(1) == 0x81, (0xA6...0xA9).contains(b) { return 0x2040 + UInt32(b - 0x80) }
        default:
            break
        }
        return nil
    }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }

    /// Each distinct message once (a baseline's warning is not repeated for every customer).
    public func uniqued() -> [Diagnostic] {
        var seen = Set<ExactString>()  // by bytes: messages naming caf\u{E9} and cafe\u{301} are two
        return filter { seen.insert(ExactString($0.description + "\u{0}" + ($0.backend?.rawValue ?? ""))).inserted }
    }

    /// Sets the customer on messages that do not name one yet.
    public func forCustomer(_ id: String) -> [Diagnostic] {
        map { var d = $0; if d.customer == nil { d.customer = id }; return d }
    }

    /// Stable order for printing: by file, line, then severity (errors first) and text.
    public func sortedForDisplay() -> [Diagnostic] {
        sorted {
            let a = $0.location ?? SourceLocation(file: "", line: 0)
            let b = $1.location ?? SourceLocation(file: "", line: 0)
            if a != b { return a < b }
            if $0.severity != $1.severity { return $0.severity > $1.severity }
            return $0.message < $1.message
        }
    }
}

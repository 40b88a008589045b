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

    /// Control characters in a message (a hostile path, say) are shown escaped: one diagnostic, one line.
    public static func singleLine(_ text: String) -> String {
        if !text.containsUTF8Byte(where: { $0 < 0x20 || $0 == 0x7F }) { return text }
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
    public static func appendSingleLine<Sink: ByteSink & ~Copyable>(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout Sink) {
        var start = 0  // first byte not yet copied
        while true {
            let i = ByteScan.firstControl(in: bytes, from: start, or: 0x7F, 0x7F)
            out.append(bytes: UnsafeBufferPointer(rebasing: bytes[start..<i]))
            guard i < bytes.count else { return }
            let hex: StaticString = "0123456789abcdef"
            out.append(0x5C)
            out.append(0x78)
            out.append(hex.utf8Start[Int(bytes[i] >> 4)])
            out.append(hex.utf8Start[Int(bytes[i] & 0x0F)])
            start = i + 1
        }
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

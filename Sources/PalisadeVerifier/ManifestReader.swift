import PalisadeModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A fast, strict reader for `manifest.json`, which on an endpoint can list 100,000 files or more
/// (JSONDecoder takes seconds for that; this takes a small fraction of it).
///
/// It reads exactly the JSON grammar (RFC 8259) and exactly the shape of ``BundleManifest``, and it
/// produces the value JSONDecoder would. Anything outside what it handles — a syntax error, an
/// unknown or duplicated key, a type mismatch, a number that is not a plain integer, a lone
/// surrogate, invalid UTF-8, a byte-order mark — makes it *decline* with the reason and the byte
/// offset; the caller then lets JSONDecoder decide (which accepts the document or reports the error
/// it always reported). So this reader never accepts anything JSONDecoder rejects, and never changes
/// what an accepted manifest means.
public enum ManifestReader {
    /// Why the reader did not handle a document, and where.
    public struct Decline: Error, Equatable, CustomStringConvertible, Sendable {
        public var offset: Int
        public var reason: String
        public var description: String { "byte \(offset): \(reason)" }
    }

    public static func decode(_ bytes: [UInt8]) -> Result<BundleManifest, Decline> {
        bytes.withUnsafeBufferPointer { buffer in
            var cursor = Cursor(buffer)
            do throws(Decline) {
                cursor.skipWhitespace()
                let manifest = try cursor.manifest()
                cursor.skipWhitespace()
                guard cursor.atEnd else { throw cursor.decline("unexpected data after the document") }
                return .success(manifest)
            } catch {
                return .failure(error)
            }
        }
    }
}

/// An object key: the raw bytes between the quotes (keys with escapes are decoded separately).
private struct Key {
    var start: UnsafePointer<UInt8>
    var count: Int

    func `is`(_ name: StaticString) -> Bool {
        count == name.utf8CodeUnitCount && memcmp(start, name.utf8Start, count) == 0
    }
}

/// Interns repeated string values (the same policy file, source or reason on every rule) so a
/// 100,000-rule manifest does not allocate the same text 100,000 times.
private struct LastString {
    var bytes: [UInt8] = []
    var value: String = ""
    var valid = false

    mutating func value(for raw: UnsafeBufferPointer<UInt8>) -> String? {
        if valid, raw.count == bytes.count, bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, raw.baseAddress!, raw.count) == 0 }) {
            return value
        }
        guard let string = String(validating: raw, as: UTF8.self) else { return nil }
        bytes = Array(raw)
        value = string
        valid = true
        return string
    }
}

private struct Cursor {
    let base: UnsafePointer<UInt8>
    let end: Int
    var i = 0
    var scratch: [UInt8] = []
    var internFile = LastString(), internSource = LastString(), internBaseline = LastString(),
        internReason = LastString(), internOwner = LastString(), internTicket = LastString(),
        internExpires = LastString()

    init(_ buffer: UnsafeBufferPointer<UInt8>) {
        // An empty buffer may have no base address; any one-byte stand-in is never read (end is 0).
        base = buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!
        end = buffer.count
    }

    var atEnd: Bool { i >= end }

    func decline(_ reason: String) -> ManifestReader.Decline { .init(offset: i, reason: reason) }

    @inline(__always) mutating func skipWhitespace() {
        while i < end {
            switch base[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return
            }
        }
    }

    /// The next non-whitespace byte (not consumed), or nil at the end.
    @inline(__always) mutating func peek() -> UInt8? {
        skipWhitespace()
        return i < end ? base[i] : nil
    }

    @inline(__always) mutating func expect(_ byte: UInt8, _ what: StaticString) throws(ManifestReader.Decline) {
        guard peek() == byte else { throw decline("expected \(what)") }
        i += 1
    }

    // MARK: Objects and arrays

    /// Calls `member` for each key of an object; `member` must consume the value.
    mutating func object(_ member: (inout Cursor, Key) throws(ManifestReader.Decline) -> Void) throws(ManifestReader.Decline) {
        try expect(UInt8(ascii: "{"), "'{'")
        if peek() == UInt8(ascii: "}") { i += 1; return }
        while true {
            let key = try rawKey()
            try expect(UInt8(ascii: ":"), "':'")
            try member(&self, key)
            switch peek() {
            case UInt8(ascii: ",")?: i += 1
            case UInt8(ascii: "}")?: i += 1; return
            default: throw decline("expected ',' or '}'")
            }
        }
    }

    /// An object with arbitrary keys (a dictionary): keys fully decoded, duplicates declined.
    mutating func dictionary<Value>(_ value: (inout Cursor) throws(ManifestReader.Decline) -> Value) throws(ManifestReader.Decline) -> [String: Value] {
        var out: [String: Value] = [:]
        try expect(UInt8(ascii: "{"), "'{'")
        if peek() == UInt8(ascii: "}") { i += 1; return out }
        while true {
            let keyOffset = i
            let key = try string()
            try expect(UInt8(ascii: ":"), "':'")
            let v = try value(&self)
            guard out.updateValue(v, forKey: key) == nil else {
                throw ManifestReader.Decline(offset: keyOffset, reason: "duplicate key")
            }
            switch peek() {
            case UInt8(ascii: ",")?: i += 1
            case UInt8(ascii: "}")?: i += 1; return out
            default: throw decline("expected ',' or '}'")
            }
        }
    }

    mutating func array<Element>(_ element: (inout Cursor) throws(ManifestReader.Decline) -> Element) throws(ManifestReader.Decline) -> [Element] {
        var out: [Element] = []
        try expect(UInt8(ascii: "["), "'['")
        if peek() == UInt8(ascii: "]") { i += 1; return out }
        while true {
            out.append(try element(&self))
            switch peek() {
            case UInt8(ascii: ",")?: i += 1
            case UInt8(ascii: "]")?: i += 1; return out
            default: throw decline("expected ',' or ']'")
            }
        }
    }

    /// A key of a struct: plain bytes only. A key written with escapes is legal JSON but never
    /// written by Palisade: decline, and JSONDecoder reads it.
    mutating func rawKey() throws(ManifestReader.Decline) -> Key {
        guard peek() == UInt8(ascii: "\"") else { throw decline("expected a key") }
        i += 1
        let start = i
        while i < end {
            let b = base[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return Key(start: base + start, count: i - 1 - start)
            }
            if b == UInt8(ascii: "\\") || b < 0x20 { break }
            i += 1
        }
        throw decline("key with escapes, control characters, or unterminated")
    }

    /// Marks a member seen; a second occurrence declines (what JSONDecoder does with it is not ours to guess).
    @inline(__always) func once(_ seen: inout UInt32, _ bit: UInt32, _ key: Key) throws(ManifestReader.Decline) {
        guard seen & bit == 0 else {
            throw ManifestReader.Decline(offset: key.start - base, reason: "duplicate key")
        }
        seen |= bit
    }

    func unknown(_ key: Key) -> ManifestReader.Decline {
        .init(offset: key.start - base, reason: "unknown key \"\(String(decoding: UnsafeBufferPointer(start: key.start, count: key.count), as: UTF8.self))\"")
    }

    func missing(_ name: String, at offset: Int) -> ManifestReader.Decline {
        .init(offset: offset, reason: "missing key \"\(name)\"")
    }

    // MARK: Scalars

    /// `null` (consumed: true) or not (nothing consumed).
    @inline(__always) mutating func null() -> Bool {
        guard peek() == UInt8(ascii: "n"), end - i >= 4, base[i + 1] == UInt8(ascii: "u"),
              base[i + 2] == UInt8(ascii: "l"), base[i + 3] == UInt8(ascii: "l") else { return false }
        i += 4
        return true
    }

    mutating func bool() throws(ManifestReader.Decline) -> Bool {
        if peek() == UInt8(ascii: "t"), end - i >= 4, memcmp(base + i, "true", 4) == 0 { i += 4; return true }
        if peek() == UInt8(ascii: "f"), end - i >= 5, memcmp(base + i, "false", 5) == 0 { i += 5; return false }
        throw decline("expected true or false")
    }

    /// A plain integer: `-?(0|[1-9][0-9]*)` that fits. Fractions, exponents and `-0` decline.
    mutating func int64() throws(ManifestReader.Decline) -> Int64 {
        guard let first = peek() else { throw decline("expected a number") }
        let start = i
        var negative = false
        if first == UInt8(ascii: "-") { negative = true; i += 1 }
        var value: Int64 = 0
        var digits = 0
        while i < end, base[i] >= 0x30, base[i] <= 0x39 {
            let d = Int64(base[i] - 0x30)
            // Accumulate negatively so Int64.min fits.
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.subtractingReportingOverflow(d)
            guard !o1, !o2 else { i = start; throw decline("integer out of range") }
            value = s
            digits += 1
            i += 1
        }
        guard digits > 0 else { i = start; throw decline("expected a number") }
        guard !(digits > 1 && base[i - digits] == 0x30) else { i = start; throw decline("number with a leading zero") }
        if i < end, base[i] == UInt8(ascii: ".") || base[i] == UInt8(ascii: "e") || base[i] == UInt8(ascii: "E") {
            i = start
            throw decline("not a plain integer")
        }
        if negative {
            guard value != 0 else { i = start; throw decline("-0") }
            return value
        }
        guard value != .min else { i = start; throw decline("integer out of range") }
        return -value
    }

    mutating func int() throws(ManifestReader.Decline) -> Int {
        let start = i
        let v = try int64()
        guard let out = Int(exactly: v) else { i = start; throw decline("integer out of range") }
        return out
    }

    /// A JSON string, escapes decoded.
    mutating func string() throws(ManifestReader.Decline) -> String {
        let open = i
        switch try scanString() {
        case .decoded(let string): return string
        case .raw(let raw):
            guard let string = String(validating: raw, as: UTF8.self) else { i = open; throw decline("string is not valid UTF-8") }
            return string
        }
    }

    /// A JSON string, the same value reused when it repeats the previous one read into `cache`.
    mutating func internedString(_ cache: WritableKeyPath<Cursor, LastString>) throws(ManifestReader.Decline) -> String {
        let open = i
        switch try scanString() {
        case .decoded(let string): return string
        case .raw(let raw):
            guard let string = self[keyPath: cache].value(for: raw) else { i = open; throw decline("string is not valid UTF-8") }
            return string
        }
    }

    enum Scanned {
        /// The bytes between the quotes: no escapes, not yet validated as UTF-8.
        case raw(UnsafeBufferPointer<UInt8>)
        case decoded(String)
    }

    mutating func scanString() throws(ManifestReader.Decline) -> Scanned {
        guard peek() == UInt8(ascii: "\"") else { throw decline("expected a string") }
        let open = i
        i += 1
        let start = i
        while i < end {
            let b = base[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return .raw(UnsafeBufferPointer(start: base + start, count: i - 1 - start))
            }
            if b == UInt8(ascii: "\\") { return .decoded(try escapedString(open: open, start: start)) }
            if b < 0x20 { throw decline("control character in a string") }
            i += 1
        }
        i = open
        throw decline("unterminated string")
    }

    private mutating func escapedString(open: Int, start: Int) throws(ManifestReader.Decline) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: base + start, count: i - start))
        while i < end {
            let b = base[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                guard let decoded = String(validating: scratch, as: UTF8.self) else {
                    i = open
                    throw decline("string is not valid UTF-8")
                }
                return decoded
            }
            if b < 0x20 { throw decline("control character in a string") }
            if b != UInt8(ascii: "\\") {
                scratch.append(b)
                i += 1
                continue
            }
            guard i + 1 < end else { break }
            let e = base[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "\""): scratch.append(0x22)
            case UInt8(ascii: "\\"): scratch.append(0x5C)
            case UInt8(ascii: "/"): scratch.append(0x2F)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    // A high surrogate must be followed by an escaped low one.
                    guard end - i >= 6, base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u") else {
                        throw decline("unpaired surrogate in a string")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw decline("unpaired surrogate in a string") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw decline("unpaired surrogate in a string")
                }
                appendUTF8(scalar)
            default:
                i -= 2
                throw decline("invalid escape in a string")
            }
        }
        i = open
        throw decline("unterminated string")
    }

    private mutating func hex4() throws(ManifestReader.Decline) -> UInt32 {
        guard end - i >= 4 else { throw decline("short \\u escape") }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = base[i + k]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw decline("invalid \\u escape")
            }
            v = v << 4 | d
        }
        i += 4
        return v
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// A string-backed enum by its raw value.
    mutating func enumeration<T: RawRepresentable>(_: T.Type) throws(ManifestReader.Decline) -> T where T.RawValue == String {
        let start = i
        let text = try string()
        guard let value = T(rawValue: text) else { i = start; throw decline("unknown value \"\(text)\" for \(T.self)") }
        return value
    }

    mutating func optional<T>(_ read: (inout Cursor) throws(ManifestReader.Decline) -> T) throws(ManifestReader.Decline) -> T? {
        if null() { return nil }
        return try read(&self)
    }

    // MARK: The manifest's types

    mutating func manifest() throws(ManifestReader.Decline) -> BundleManifest {
        let at = i
        var seen: UInt32 = 0
        var manifestVersion: Int?, modelVersion: Int?, customer: BundleManifest.CustomerInfo?
        var rules: [ResolvedRule]?, files: [String: BundleManifest.FileRecord]?
        try object { (c, key) throws(ManifestReader.Decline) in
            if key.is("rules") {
                try c.once(&seen, 1, key)
                rules = try c.array { (c) throws(ManifestReader.Decline) in try c.rule() }
            } else if key.is("files") {
                try c.once(&seen, 2, key)
                files = try c.dictionary { (c) throws(ManifestReader.Decline) in try c.fileRecord() }
            } else if key.is("customer") {
                try c.once(&seen, 4, key)
                customer = try c.customerInfo()
            } else if key.is("manifestVersion") {
                try c.once(&seen, 8, key)
                manifestVersion = try c.int()
            } else if key.is("modelVersion") {
                try c.once(&seen, 16, key)
                modelVersion = try c.int()
            } else {
                throw c.unknown(key)
            }
        }
        guard let manifestVersion else { throw missing("manifestVersion", at: at) }
        guard let modelVersion else { throw missing("modelVersion", at: at) }
        guard let customer else { throw missing("customer", at: at) }
        guard let rules else { throw missing("rules", at: at) }
        guard let files else { throw missing("files", at: at) }
        var manifest = BundleManifest(customer: customer, rules: rules, files: files)
        manifest.manifestVersion = manifestVersion
        manifest.modelVersion = modelVersion
        return manifest
    }

    mutating func fileRecord() throws(ManifestReader.Decline) -> BundleManifest.FileRecord {
        let at = i
        var seen: UInt32 = 0
        var sha256: String?, size: Int64?
        try object { (c, key) throws(ManifestReader.Decline) in
            if key.is("sha256") {
                try c.once(&seen, 1, key)
                sha256 = try c.string()
            } else if key.is("size") {
                try c.once(&seen, 2, key)
                size = try c.int64()
            } else {
                throw c.unknown(key)
            }
        }
        guard let sha256 else { throw missing("sha256", at: at) }
        guard let size else { throw missing("size", at: at) }
        return .init(sha256: sha256, size: size)
    }

    mutating func customerInfo() throws(ManifestReader.Decline) -> BundleManifest.CustomerInfo {
        let at = i
        var seen: UInt32 = 0
        var id: String?, displayName: String?, modes: [Backend: Mode]?, confinement: LinuxConfinement?
        try object { (c, key) throws(ManifestReader.Decline) in
            if key.is("id") {
                try c.once(&seen, 1, key)
                id = try c.string()
            } else if key.is("displayName") {
                try c.once(&seen, 2, key)
                displayName = try c.string()
            } else if key.is("modes") {
                try c.once(&seen, 4, key)
                let start = c.i
                let byName = try c.dictionary { (c) throws(ManifestReader.Decline) in try c.enumeration(Mode.self) }
                var out: [Backend: Mode] = [:]
                for (name, mode) in byName {
                    guard let backend = Backend(rawValue: name) else {
                        throw ManifestReader.Decline(offset: start, reason: "unknown backend \"\(name)\"")
                    }
                    out[backend] = mode
                }
                modes = out
            } else if key.is("linuxConfinement") {
                try c.once(&seen, 8, key)
                confinement = try c.optional { (c) throws(ManifestReader.Decline) in try c.linuxConfinement() }
            } else {
                throw c.unknown(key)
            }
        }
        guard let id else { throw missing("id", at: at) }
        guard let displayName else { throw missing("displayName", at: at) }
        guard let modes else { throw missing("modes", at: at) }
        return .init(id: id, displayName: displayName, modes: modes, linuxConfinement: confinement)
    }

    mutating func linuxConfinement() throws(ManifestReader.Decline) -> LinuxConfinement {
        let at = i
        var seen: UInt32 = 0
        var shells: [String]?, pamHat: Bool?
        try object { (c, key) throws(ManifestReader.Decline) in
            if key.is("loginShells") {
                try c.once(&seen, 1, key)
                shells = try c.array { (c) throws(ManifestReader.Decline) in try c.string() }
            } else if key.is("pamHat") {
                try c.once(&seen, 2, key)
                pamHat = try c.bool()
            } else {
                throw c.unknown(key)
            }
        }
        guard let shells else { throw missing("loginShells", at: at) }
        guard let pamHat else { throw missing("pamHat", at: at) }
        return .init(loginShells: shells, pamHat: pamHat)
    }

    mutating func rule() throws(ManifestReader.Decline) -> ResolvedRule {
        let at = i
        var seen: UInt32 = 0
        var decision: Decision?, platform: Platform?, sha256: String?, size: Int64?, path: String?
        var pathMatch: PathMatch?, fileKind: FileKind?, windows: ResolvedWindowsAttributes?, provenance: Provenance?
        try object { (c, key) throws(ManifestReader.Decline) in
            if key.is("path") {
                try c.once(&seen, 1, key)
                path = try c.optional { (c) throws(ManifestReader.Decline) in try c.string() }
            } else if key.is("sha256") {
                try c.once(&seen, 2, key)
                sha256 = try c.optional { (c) throws(ManifestReader.Decline) in try c.string() }
            } else if key.is("size") {
                try c.once(&seen, 4, key)
                size = try c.optional { (c) throws(ManifestReader.Decline) in try c.int64() }
            } else if key.is("decision") {
                try c.once(&seen, 8, key)
                decision = try c.enumeration(Decision.self)
            } else if key.is("platform") {
                try c.once(&seen, 16, key)
                platform = try c.enumeration(Platform.self)
            } else if key.is("pathMatch") {
                try c.once(&seen, 32, key)
                pathMatch = try c.optional { (c) throws(ManifestReader.Decline) in try c.enumeration(PathMatch.self) }
            } else if key.is("provenance") {
                try c.once(&seen, 64, key)
                provenance = try c.provenance()
            } else if key.is("fileKind") {
                try c.once(&seen, 128, key)
                fileKind = try c.optional { (c) throws(ManifestReader.Decline) in try c.enumeration(FileKind.self) }
            } else if key.is("windows") {
                try c.once(&seen, 256, key)
                windows = try c.optional { (c) throws(ManifestReader.Decline) in try c.windowsAttributes() }
            } else {
                throw c.unknown(key)
            }
        }
        guard let decision else { throw missing("decision", at: at) }
        guard let platform else { throw missing("platform", at: at) }
        guard let provenance else { throw missing("provenance", at: at) }
        return ResolvedRule(decision: decision, platform: platform, sha256: sha256, size: size, path: path,
                            pathMatch: pathMatch, fileKind: fileKind, windows: windows, provenance: provenance)
    }

    mutating func provenance() throws(ManifestReader.Decline) -> Provenance {
        let at = i
        var seen: UInt32 = 0
        var location: SourceLocation?, source: String?, reference: String?, baseline: String?
        var reason: String?, owner: String?, ticket: String?, expires: CalendarDate?
        try object { (c, key) throws(ManifestReader.Decline) in
            if key.is("location") {
                try c.once(&seen, 1, key)
                location = try c.sourceLocation()
            } else if key.is("source") {
                try c.once(&seen, 2, key)
                source = try c.internedString(\.internSource)
            } else if key.is("reference") {
                try c.once(&seen, 4, key)
                reference = try c.optional { (c) throws(ManifestReader.Decline) in try c.string() }
            } else if key.is("baseline") {
                try c.once(&seen, 8, key)
                baseline = try c.optional { (c) throws(ManifestReader.Decline) in try c.internedString(\.internBaseline) }
            } else if key.is("reason") {
                try c.once(&seen, 16, key)
                reason = try c.optional { (c) throws(ManifestReader.Decline) in try c.internedString(\.internReason) }
            } else if key.is("owner") {
                try c.once(&seen, 32, key)
                owner = try c.optional { (c) throws(ManifestReader.Decline) in try c.internedString(\.internOwner) }
            } else if key.is("ticket") {
                try c.once(&seen, 64, key)
                ticket = try c.optional { (c) throws(ManifestReader.Decline) in try c.internedString(\.internTicket) }
            } else if key.is("expires") {
                try c.once(&seen, 128, key)
                expires = try c.optional { (c) throws(ManifestReader.Decline) in CalendarDate(try c.internedString(\.internExpires)) }
            } else {
                throw c.unknown(key)
            }
        }
        guard let location else { throw missing("location", at: at) }
        guard let source else { throw missing("source", at: at) }
        return Provenance(location: location, source: source, reference: reference, baseline: baseline,
                          metadata: RuleMetadata(reason: reason, owner: owner, ticket: ticket, expires: expires))
    }

    mutating func sourceLocation() throws(ManifestReader.Decline) -> SourceLocation {
        let at = i
        var seen: UInt32 = 0
        var file: String?, line: Int?
        try object { (c, key) throws(ManifestReader.Decline) in
            if key.is("file") {
                try c.once(&seen, 1, key)
                file = try c.internedString(\.internFile)
            } else if key.is("line") {
                try c.once(&seen, 2, key)
                line = try c.int()
            } else {
                throw c.unknown(key)
            }
        }
        guard let file else { throw missing("file", at: at) }
        guard let line else { throw missing("line", at: at) }
        return SourceLocation(file: file, line: line)
    }

    mutating func windowsAttributes() throws(ManifestReader.Decline) -> ResolvedWindowsAttributes {
        let at = i
        var seen: UInt32 = 0
        var collection: AppLockerCollection?, sid: String?, appLockerHash: String?, publisher: PublisherCondition?
        try object { (c, key) throws(ManifestReader.Decline) in
            if key.is("collection") {
                try c.once(&seen, 1, key)
                collection = try c.enumeration(AppLockerCollection.self)
            } else if key.is("userOrGroupSID") {
                try c.once(&seen, 2, key)
                sid = try c.string()
            } else if key.is("appLockerHash") {
                try c.once(&seen, 4, key)
                appLockerHash = try c.optional { (c) throws(ManifestReader.Decline) in try c.string() }
            } else if key.is("publisher") {
                try c.once(&seen, 8, key)
                publisher = try c.optional { (c) throws(ManifestReader.Decline) in try c.publisherCondition() }
            } else {
                throw c.unknown(key)
            }
        }
        guard let collection else { throw missing("collection", at: at) }
        guard let sid else { throw missing("userOrGroupSID", at: at) }
        return .init(collection: collection, userOrGroupSID: sid, appLockerHash: appLockerHash, publisher: publisher)
    }

    mutating func publisherCondition() throws(ManifestReader.Decline) -> PublisherCondition {
        let at = i
        var seen: UInt32 = 0
        var publisher: String?, product: String?, binaryName: String?
        var lowVersion: String?, highVersion: String?, reference: String?
        try object { (c, key) throws(ManifestReader.Decline) in
            if key.is("publisher") {
                try c.once(&seen, 1, key)
                publisher = try c.string()
            } else if key.is("product") {
                try c.once(&seen, 2, key)
                product = try c.string()
            } else if key.is("binaryName") {
                try c.once(&seen, 4, key)
                binaryName = try c.string()
            } else if key.is("lowVersion") {
                try c.once(&seen, 8, key)
                lowVersion = try c.optional { (c) throws(ManifestReader.Decline) in try c.string() }
            } else if key.is("highVersion") {
                try c.once(&seen, 16, key)
                highVersion = try c.optional { (c) throws(ManifestReader.Decline) in try c.string() }
            } else if key.is("reference") {
                try c.once(&seen, 32, key)
                reference = try c.optional { (c) throws(ManifestReader.Decline) in try c.string() }
            } else {
                throw c.unknown(key)
            }
        }
        guard let publisher else { throw missing("publisher", at: at) }
        guard let product else { throw missing("product", at: at) }
        guard let binaryName else { throw missing("binaryName", at: at) }
        return .init(publisher: publisher, product: product, binaryName: binaryName, lowVersion: lowVersion,
                     highVersion: highVersion, reference: reference)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import PalisadeModel

/// Checks rules and trust files against fapolicyd 1.1.7's grammar and the traps it loads silently.
///
/// 1.1.7 has no rule checker, and its daemon accepts many broken lines minus a clause, so the
/// emitter runs this on everything it writes and the tests (and `verify`) can run it on files
/// found on disk. Every finding is a defect: nothing here is a style preference.
public enum FapolicydLint {
    public struct Finding: Hashable, Sendable, CustomStringConvertible {
        /// 1-based physical line (0: the file as a whole).
        public var line: Int
        public var message: String

        public var description: String { line == 0 ? message : "line \(line): \(message)" }
    }

    static let decisions = Set(FapolicydRule.Decision.allCases.map(\.rawValue))
    static let subjectFields: Set<String> = ["auid", "uid", "gid", "sessionid", "pid", "ppid", "trust", "comm",
                                             "exe", "dir", "ftype", "device", "pattern"]
    static let objectFields: Set<String> = ["path", "dir", "device", "ftype", "trust", "sha256hash"]
    static let intFields: Set<String> = ["auid", "uid", "gid", "sessionid", "pid", "ppid"]
    static let maxFields = 8

    // MARK: whole-file checks shared by both formats

    static func fileChecks(_ bytes: [UInt8]) -> [Finding] {
        // What Palisade writes: clean text ending in LF. Nothing below can find anything then.
        if bytes.last == 0x0A && isCleanText(bytes) { return [] }
        var findings: [Finding] = []
        if bytes.isEmpty { findings.append(Finding(line: 0, message: "file is empty")) }
        if let last = bytes.last, last != 0x0A {
            findings.append(Finding(line: 0, message: "no final newline (fagenrules would glue the next file onto the last line)"))
        }
        if (try? UTF8Span(validating: bytes.span)) == nil {  // validates in place, no copy
            findings.append(Finding(line: 0, message: "not valid UTF-8"))
        }
        // One pass: the control bytes of each line, reported in this order per line.
        var number = 1
        var cr = false, tab = false, nul = false, control = false
        func report() {
            if cr { findings.append(Finding(line: number, message: "carriage return (CR)")) }
            if tab { findings.append(Finding(line: number, message: "TAB character")) }
            if nul { findings.append(Finding(line: number, message: "NUL character")) }
            if control { findings.append(Finding(line: number, message: "control character")) }
            cr = false; tab = false; nul = false; control = false
        }
        bytes.withUnsafeBufferPointer { buffer in
            for byte in buffer where byte < 0x20 || byte == 0x7F {
                switch byte {
                case 0x0A: report(); number += 1
                case 0x0D: cr = true
                case 0x09: tab = true
                case 0x00: nul = true
                default: control = true
                }
            }
        }
        report()  // the last line, when the file does not end with LF
        return findings
    }

    /// Whether `bytes` are well-formed UTF-8 with no control byte but LF and no DEL: what the
    /// whole-file checks accept, found in one pass. ``ByteScan`` skips eight bytes at a time to
    /// the next byte below 0x20 (LFs, mostly), DEL or byte of 0x80 or more.
    static func isCleanText(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var i = 0
            while true {
                i = ByteScan.firstControl(in: buffer, from: i, or: 0x7F, 0x7F, orHighBytes: true)
                guard i < buffer.count else { return true }
                if buffer[i] == 0x0A {
                    i += 1
                } else if buffer[i] >= 0x80, let length = utf8SequenceLength(buffer, at: i) {
                    i += length
                } else {
                    return false
                }
            }
        }
    }

    /// The length of the well-formed UTF-8 sequence of two to four bytes at `start` (Unicode
    /// Table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), or nil.
    static func utf8SequenceLength(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int) -> Int? {
        let lead = bytes[start]
        let length: Int, second: ClosedRange<UInt8>
        switch lead {
        case 0xC2...0xDF: (length, second) = (2, 0x80...0xBF)
        case 0xE0: (length, second) = (3, 0xA0...0xBF)
        case 0xED: (length, second) = (3, 0x80...0x9F)
        case 0xE1...0xEF: (length, second) = (3, 0x80...0xBF)
        case 0xF0: (length, second) = (4, 0x90...0xBF)
        case 0xF1...0xF3: (length, second) = (4, 0x80...0xBF)
        case 0xF4: (length, second) = (4, 0x80...0x8F)
        default: return nil
        }
        guard start + length <= bytes.count, second.contains(bytes[start + 1]) else { return nil }
        for offset in 2..<length where !(0x80...0xBF).contains(bytes[start + offset]) { return nil }
        return length
    }

    /// Calls `body` with each line of `bytes` (1-based number, the line without its LF as a slice,
    /// no copies); a final LF does not start another line, and an empty file is one empty line.
    static func forEachLine(_ bytes: [UInt8], _ body: (Int, ArraySlice<UInt8>) -> Void) {
        if bytes.isEmpty { body(1, bytes[...]); return }
        var start = 0
        var number = 1
        while start < bytes.count {
            let end = bytes.withUnsafeBufferPointer { buffer in
                memchr(buffer.baseAddress! + start, 0x0A, buffer.count - start)
                    .map { UnsafeRawPointer($0) - UnsafeRawPointer(buffer.baseAddress!) } ?? buffer.count
            }
            body(number, bytes[start..<end])
            number += 1
            start = end + 1
        }
    }

    static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        forEachLine(bytes) { _, line in lines.append(Array(line)) }
        return lines
    }

    // MARK: rules

    /// Findings for a rules.d fragment (or a compiled.rules).
    public static func rules(_ bytes: [UInt8]) -> [Finding] { rules(bytes, fastPath: true) }

    /// `fastPath: false` runs the full check on every line (tests compare the two).
    public static func rules(_ bytes: [UInt8], fastPath: Bool) -> [Finding] {
        var findings = fileChecks(bytes)
        // No whole-file finding means clean text (UTF-8, no control byte but LF): the lines need
        // no pass of their own for control bytes.
        let cleanText = fastPath && findings.isEmpty
        var sets: [String: Bool] = [:]  // name → is INT
        var ruleCount = 0
        forEachLine(bytes) { number, line in
            func flag(_ message: String) { findings.append(Finding(line: number, message: message)) }
            if line.isEmpty { return }
            if line.first == 0x23 { return }  // comment (fagenrules strips only those starting in column 1)
            if fastPath && isPlainRule(line, checkingControlBytes: !cleanText) { ruleCount += 1; return }
            let raw = Array(line)
            if raw.first(where: { $0 != 0x20 && $0 != 0x09 }) == 0x23 {
                flag("indented comment (fagenrules keeps it, the daemon may not load it)")
                return
            }
            if raw.first == 0x20 || raw.last == 0x20 || hasRepeatedSpace(raw) {
                flag("leading, trailing or repeated space")
            }
            let text = String(decoding: raw, as: UTF8.self)
            let tokens = text.split(separator: " ").map(String.init)
            guard let first = tokens.first else { return }
            if first.hasPrefix("%") {
                lintSet(first, tokens: tokens, sets: &sets, flag: flag)
                return
            }
            ruleCount += 1
            lintRule(tokens, sets: sets, flag: flag)
        }
        if ruleCount == 0 && !bytes.isEmpty { findings.append(Finding(line: 0, message: "no rules")) }
        return findings
    }

    static func lintSet(_ first: String, tokens: [String], sets: inout [String: Bool], flag: (String) -> Void) {
        if tokens.count > 1 { flag("space in a set definition (everything after it is dropped)") }
        guard let eq = first.firstIndex(of: "=") else { flag("set definition without '='"); return }
        let name = String(first[first.index(after: first.startIndex)..<eq])
        let value = String(first[first.index(after: eq)...])
        if name.isEmpty || !name.utf8.allSatisfy(isNameByte) { flag("set name '\(name)' is not [A-Za-z0-9_]+") }
        if sets[name] != nil { flag("set '\(name)' is defined twice") }
        let items = value.split(separator: ",", omittingEmptySubsequences: false)
        if value.isEmpty || items.contains(where: \.isEmpty) { flag("set '\(name)' has an empty member") }
        let isInt = value.first?.isASCII == true && value.first!.isNumber
        if isInt, let bad = items.first(where: { Int($0) == nil }) {
            flag("INT set '\(name)' has the non-number member '\(bad)' (it would load as 0)")
        }
        sets[name] = isInt
    }

    static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
    }

    static func lintRule(_ tokens: [String], sets: [String: Bool], flag: (String) -> Void) {
        if !decisions.contains(tokens[0]) { flag("invalid decision '\(tokens[0])'") }
        if tokens.count < 2 || !["perm=open", "perm=execute", "perm=any"].contains(tokens[1]) {
            flag("the decision must be followed by perm=open|execute|any")
        }
        let colons = tokens.indices.filter { tokens[$0] == ":" }
        guard colons.count == 1 else {
            flag(colons.isEmpty ? "no lone ':' between subject and object" : "more than one ':' token")
            return
        }
        let start = min(tokens.count > 1 && tokens[1].hasPrefix("perm=") ? 2 : 1, colons[0])
        let subject = Array(tokens[start..<colons[0]])
        let object = Array(tokens[(colons[0] + 1)...])
        for (side, fields, known) in [("subject", subject, subjectFields), ("object", object, objectFields)] {
            if fields.isEmpty { flag("\(side) is missing") }
            if fields.count > maxFields { flag("\(fields.count) \(side) fields; 1.1.7 holds at most \(maxFields) (more corrupt memory)") }
            if fields.contains("all") && fields.count > 1 { flag("'all' combined with other \(side) fields") }
            var seen = Set<String>()
            for field in fields where field != "all" {
                guard let eq = field.firstIndex(of: "=") else {
                    flag("'=' is missing for \(side) field '\(field)'")
                    continue
                }
                let name = String(field[..<eq])
                let value = String(field[field.index(after: eq)...])
                if !known.contains(name) { flag("unknown \(side) field '\(name)'"); continue }
                if !seen.insert(name).inserted { flag("\(side) field '\(name)' appears twice") }
                lintValue(name, value, side: side, sets: sets, flag: flag)
            }
        }
    }

    static func lintValue(_ name: String, _ value: String, side: String, sets: [String: Bool],
                          flag: (String) -> Void) {
        if value.isEmpty { flag("\(name)= has an empty value"); return }
        if value.hasPrefix("%") {
            let setName = String(value.dropFirst())
            guard let isInt = sets[setName] else { flag("set '\(setName)' is used before it is defined"); return }
            if name == "trust" || name == "pattern" { flag("\(name)= cannot take a set") }
            if isInt != intFields.contains(name) { flag("\(isInt ? "INT" : "STRING") set '\(setName)' on \(name)=") }
            return
        }
        if value.utf8.contains(0x3D) { flag("'=' inside the value of \(name)=") }
        let items = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        if items.contains("") { flag("\(name)= has an empty list item") }
        switch name {
        case "trust":
            if value != "0" && value != "1" { flag("trust= must be 0 or 1") }
        case "pattern":
            if !["ld_so", "static", "ld_preload"].contains(value) { flag("pattern= must be ld_so, static or ld_preload") }
        case "sha256hash":
            for item in items where !FapolicydValue.isLowerHexSHA256(item) {
                flag("sha256hash= '\(item)' is not 64 lower-case hex digits (it would load and never match)")
            }
        case "dir":
            for item in items {
                if ["execdirs", "systemdirs", "untrusted"].contains(item) {
                    flag("dir=\(item) has inverted logic in 1.1.7; do not use it")
                } else if !item.hasPrefix("/") || !item.hasSuffix("/") {
                    flag("dir= '\(item)' must be absolute and end with '/' (it is a string prefix)")
                }
            }
        case "path", "exe":
            if name == "exe" && value == "untrusted" { flag("exe=untrusted has inverted logic in 1.1.7") }
            for item in items where !item.hasPrefix("/") { flag("\(name)= '\(item)' is not an absolute path") }
        case "auid", "uid", "gid", "sessionid", "pid", "ppid":
            for item in items {
                if let n = Int(item) {
                    if n < 0 { flag("\(name)=\(item) is negative (unset auid is 4294967295)") }
                } else if ["sessionid", "pid", "ppid"].contains(name) {
                    flag("\(name)= '\(item)' is not a number")
                } else {
                    flag("\(name)= '\(item)' is a name, resolved when the daemon loads; write the number")
                }
            }
        default:
            break
        }
    }

    // MARK: the fast path for the rules Palisade writes

    static func hasRepeatedSpace(_ line: [UInt8]) -> Bool {
        line.indices.dropFirst().contains { line[$0] == 0x20 && line[$0 - 1] == 0x20 }
    }

    /// Whether `line` is a rule in the narrow shape Palisade writes, every part of which the full
    /// check below would accept: `DECISION perm=P all : OBJECT[ OBJECT]` with single spaces, where
    /// each object is `all` alone, or a distinct `path=/…`, `dir=/…/`, `sha256hash=<64 hex>` or
    /// `trust=0|1` without `,`, `=` or `%` in the value. Anything else gets the full check (and
    /// its precise findings). Lines with control bytes are left to the full check as well.
    public static func isPlainRule(_ line: ArraySlice<UInt8>) -> Bool { isPlainRule(line, checkingControlBytes: true) }

    /// `checkingControlBytes: false` when the caller knows that `line` has none.
    static func isPlainRule(_ line: ArraySlice<UInt8>, checkingControlBytes: Bool) -> Bool {
        line.withUnsafeBufferPointer { bytes -> Bool in
            guard let base = bytes.baseAddress else { return false }
            typealias Bytes = UnsafeBufferPointer<UInt8>
            func equals(_ token: Bytes, _ text: StaticString) -> Bool {
                token.count == text.utf8CodeUnitCount && memcmp(token.baseAddress!, text.utf8Start, token.count) == 0
            }
            // Control bytes anywhere: the full check reports them. One branch-free pass.
            if checkingControlBytes {
                var control: UInt8 = 0
                for byte in bytes { control |= (byte < 0x20 ? 1 : 0) | (byte == 0x7F ? 1 : 0) }
                if control != 0 { return false }
            }
            var tokenIndex = 0
            var start = 0
            var fieldsSeen: UInt8 = 0  // path, dir, sha256hash, trust
            while true {
                // The next space (memchr), or the end of the line.
                var end = bytes.count
                if let space = memchr(base + start, 0x20, bytes.count - start) {
                    end = UnsafeRawPointer(space) - UnsafeRawPointer(base)
                }
                if end == start { return false }  // empty line; leading, trailing or repeated space
                let token = Bytes(start: base + start, count: end - start)
                start = end + 1
                switch tokenIndex {
                case 0:
                    guard equals(token, "allow") || equals(token, "deny") || equals(token, "allow_log")
                        || equals(token, "deny_log") || equals(token, "allow_audit") || equals(token, "deny_audit")
                        || equals(token, "allow_syslog") || equals(token, "deny_syslog") else { return false }
                case 1:
                    guard equals(token, "perm=execute") || equals(token, "perm=open") || equals(token, "perm=any")
                    else { return false }
                case 2: if !equals(token, "all") { return false }
                case 3: if !equals(token, ":") { return false }
                case 4, 5:
                    if equals(token, "all") {
                        if tokenIndex != 4 || end != bytes.count { return false }  // `all` stands alone
                        break
                    }
                    guard let eq = memchr(token.baseAddress!, 0x3D, token.count) else { return false }
                    let nameCount = UnsafeRawPointer(eq) - UnsafeRawPointer(token.baseAddress!)
                    let name = Bytes(rebasing: token[..<nameCount])
                    let value = Bytes(rebasing: token[(nameCount + 1)...])
                    guard let first = value.first, first != 0x25 else { return false }  // empty, or a set
                    let field: UInt8
                    if equals(name, "sha256hash") {
                        // 64 lower-case hex digits (so no `,` or `=` either), branch-free.
                        guard value.count == 64 else { return false }
                        var bad: UInt8 = 0
                        for byte in value {
                            bad |= (byte &- 0x30 < 10 ? 0 : 1) & (byte &- 0x61 < 6 ? 0 : 1)
                        }
                        guard bad == 0 else { return false }
                        field = 4
                    } else {
                        var separators: UInt8 = 0  // `,` or `=` in the value
                        for byte in value { separators |= (byte == 0x2C ? 1 : 0) | (byte == 0x3D ? 1 : 0) }
                        guard separators == 0 else { return false }
                        if equals(name, "path") {
                            guard first == 0x2F else { return false }
                            field = 1
                        } else if equals(name, "dir") {
                            guard first == 0x2F, value.last == 0x2F else { return false }
                            field = 2
                        } else if equals(name, "trust") {
                            guard value.count == 1, first == 0x30 || first == 0x31 else { return false }
                            field = 8
                        } else {
                            return false
                        }
                    }
                    if fieldsSeen & field != 0 { return false }
                    fieldsSeen |= field
                default:
                    return false
                }
                if end == bytes.count { return tokenIndex >= 4 }
                tokenIndex += 1
            }
        }
    }

    // MARK: trust files

    /// Findings for a trust.d file in the VERSION 2 format.
    public static func trust(_ bytes: [UInt8]) -> [Finding] {
        var findings = fileChecks(bytes)
        let all = lines(bytes)
        if all.first != Array(FapolicydTrustFile.header.utf8) {
            findings.append(Finding(line: 1, message: "line 1 is not exactly '\(FapolicydTrustFile.header)' (%XX would not be decoded)"))
        }
        var seen = Set<[UInt8]>()
        for (index, raw) in all.enumerated() {
            let number = index + 1
            func flag(_ message: String) { findings.append(Finding(line: number, message: message)) }
            if raw.isEmpty { flag("empty line"); continue }
            if raw[0] == 0x23 { continue }
            if raw[0] < 0x20 || raw[0] == 0x7F { flag("starts with a control character (the daemon skips it)"); continue }
            if raw.count + 1 > FapolicydValue.maxTrustLineBytes {
                flag("\(raw.count + 1) bytes; 1.1.7 reads lines of at most \(FapolicydValue.maxTrustLineBytes)")
            }
            let tokens = raw.split(separator: 0x20, omittingEmptySubsequences: false).map(Array.init)
            guard tokens.count == 3 else {
                flag("\(tokens.count) space-separated fields; a trust line is exactly PATH SIZE SHA256")
                continue
            }
            let (path, size, hash) = (tokens[0], tokens[1], tokens[2])
            if path.first != 0x2F { flag("path is not absolute") }
            if path.contains(where: FapolicydValue.isTrustSeparator) { flag("raw whitespace in the path") }
            if path.count > FapolicydValue.maxEncodedTrustPathBytes {
                flag("encoded path longer than \(FapolicydValue.maxEncodedTrustPathBytes) bytes")
            }
            var i = 0
            while i < path.count {
                if path[i] == 0x25 {
                    let ok = i + 2 < path.count && isUpperHex(path[i + 1]) && isUpperHex(path[i + 2])
                    if !ok { flag("'%' not followed by two upper-case hex digits"); break }
                    i += 3
                } else {
                    i += 1
                }
            }
            if let decoded = FapolicydValue.decodeTrustPath(path) {
                if decoded.count > FapolicydValue.maxPathBytes { flag("decoded path longer than PATH_MAX") }
                if !seen.insert(decoded).inserted { flag("duplicate path (fapolicyd keeps the first)") }
            } else {
                flag("path cannot be decoded (longer than 4096 bytes)")
            }
            if size.isEmpty || !size.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) || size.count > 19 {
                flag("size is not a decimal number")
            }
            if !FapolicydValue.isLowerHexSHA256(String(decoding: hash, as: UTF8.self)) {
                flag("sha256 is not 64 lower-case hex digits")
            }
        }
        return findings
    }

    static func isUpperHex(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) }
}

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
        var findings: [Finding] = []
        if bytes.isEmpty { findings.append(Finding(line: 0, message: "file is empty")) }
        if let last = bytes.last, last != 0x0A {
            findings.append(Finding(line: 0, message: "no final newline (fagenrules would glue the next file onto the last line)"))
        }
        if String(validating: bytes, as: UTF8.self) == nil {
            findings.append(Finding(line: 0, message: "not valid UTF-8"))
        }
        for (index, line) in lines(bytes).enumerated() {
            if line.contains(0x0D) { findings.append(Finding(line: index + 1, message: "carriage return (CR)")) }
            if line.contains(0x09) { findings.append(Finding(line: index + 1, message: "TAB character")) }
            if line.contains(0) { findings.append(Finding(line: index + 1, message: "NUL character")) }
            if line.contains(where: { ($0 < 0x20 && $0 != 0x09 && $0 != 0x0D && $0 != 0) || $0 == 0x7F }) {
                findings.append(Finding(line: index + 1, message: "control character"))
            }
        }
        return findings
    }

    static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        var parts = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        if bytes.last == 0x0A { parts.removeLast() }
        return parts
    }

    // MARK: rules

    /// Findings for a rules.d fragment (or a compiled.rules).
    public static func rules(_ bytes: [UInt8]) -> [Finding] {
        var findings = fileChecks(bytes)
        var sets: [String: Bool] = [:]  // name → is INT
        var ruleCount = 0
        for (index, raw) in lines(bytes).enumerated() {
            let number = index + 1
            func flag(_ message: String) { findings.append(Finding(line: number, message: message)) }
            let text = String(decoding: raw, as: UTF8.self)
            if raw.isEmpty { continue }
            if raw[0] == 0x23 { continue }  // comment (fagenrules strips only those starting in column 1)
            if raw.first(where: { $0 != 0x20 && $0 != 0x09 }) == 0x23 {
                flag("indented comment (fagenrules keeps it, the daemon may not load it)")
                continue
            }
            if raw.first == 0x20 || raw.last == 0x20 || text.contains("  ") {
                flag("leading, trailing or repeated space")
            }
            let tokens = text.split(separator: " ").map(String.init)
            guard let first = tokens.first else { continue }
            if first.hasPrefix("%") {
                lintSet(first, tokens: tokens, sets: &sets, flag: flag)
                continue
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
        if value.contains("=") { flag("'=' inside the value of \(name)=") }
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

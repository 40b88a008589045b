import Foundation
import PalisadeTestSupport
import Testing

/// The real `apparmor_parser` 3.0.8, run offline: `--skip-kernel-load` on every call, so nothing
/// ever reaches the running kernel, and the pinned features file in `Fixtures/features` (captured
/// from the 3.0.8 package's `/usr/share/apparmor-features/features`), so results do not depend on
/// the machine's kernel.
struct AppArmorParser {
    /// Missing parser: a failure, not a skip (CI installs `apparmor`).
    static func located() throws -> AppArmorParser {
        let candidates = [which("apparmor_parser"), "/usr/sbin/apparmor_parser", "/sbin/apparmor_parser"]
        guard let path = candidates.compactMap({ $0 }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            Issue.record("apparmor_parser is not installed (apt-get install -y apparmor); the AppArmor tests need the real parser")
            throw ParserMissing()
        }
        return AppArmorParser(path: path)
    }

    struct ParserMissing: Error {}

    let path: String

    static let featuresFile: String = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()
        return url.appendingPathComponent("Fixtures/features").path
    }()

    private var common: [String] { ["--skip-kernel-load", "--skip-cache", "--features-file", Self.featuresFile] }

    /// Warning classes that fail the compile. Not `rule-not-enforced` / `rule-downgraded`: the pinned
    /// 3.0 feature set has no D-Bus or fine-grained unix-socket mediation, so the profile's broad
    /// `dbus,` and `unix,` allow rules are reported as not enforced / downgraded, which for an allow
    /// rule means "allowed anyway".
    static let fatalWarnings = ["abi", "deprecated", "dangerous", "unexpected", "format", "missing", "override"]

    /// A full compile (regex and DFA included: catches exec-mode conflicts, too many transitions,
    /// unbalanced braces), aborting on the first error.
    func compile(_ file: String) throws -> RunResult {
        try run(path, common + ["--abort-on-error"] + Self.fatalWarnings.map { "--Werror=\($0)" }
                + ["-o", "/dev/null", file])
    }

    /// The profile names the parser sees, in its order.
    func names(_ file: String) throws -> [String] {
        let result = try run(path, common + ["--names", file])
        #expect(result.status == 0, "apparmor_parser --names failed: \(result.err)")
        return result.out.split(separator: "\n").map(String.init)
    }

    /// Every path rule as the parser compiled it (`--dump rule-exprs`).
    func compiledRules(_ file: String) throws -> [CompiledRule] {
        let result = try run(path, common + ["--dump", "rule-exprs", "-o", "/dev/null", file])
        #expect(result.status == 0, "apparmor_parser --dump rule-exprs failed: \(result.err)")
        return CompiledRule.parse(Array(result.stdout) + Array(result.stderr))
    }
}

/// One rule from `apparmor_parser --dump rule-exprs`: the AppArmor expression after the parser
/// decoded quotes, escapes and variables (`aare: …`), and the permissions it compiled to.
struct CompiledRule: Hashable, CustomStringConvertible {
    /// The parser's AARE: special characters that are literal appear backslash-escaped.
    var aare: [UInt8]
    var deny: Bool
    var permissions: UInt32
    /// Denials that are not logged (`deny` without `audit`).
    var quiet: UInt32

    var description: String {
        "\(deny ? "deny " : "")\(String(decoding: aare, as: UTF8.self).debugDescription) 0x\(String(permissions, radix: 16))/\(String(quiet, radix: 16))"
    }

    /// Parses the dump. Rule texts may hold raw newlines, so this works on markers, not lines:
    /// `aare: AARE   ->   PCRE\nrule: PCRE  ->  TREE [deny ](0xPERMS/0xQUIET)…`.
    static func parse(_ text: [UInt8]) -> [CompiledRule] {
        let aareMarker = Array("aare: ".utf8), arrow = Array("   ->   ".utf8)
        let ruleMarker = Array("\nrule: ".utf8), ruleArrow = Array("  ->  ".utf8)
        var rules: [CompiledRule] = []
        var index = 0
        while let start = find(aareMarker, in: text, from: index) {
            index = start + aareMarker.count
            guard start == 0 || text[start - 1] == 0x0A,
                  let arrowAt = find(arrow, in: text, from: index) else { continue }
            let aare = Array(text[index..<arrowAt])
            let pcreStart = arrowAt + arrow.count
            guard let ruleAt = find(ruleMarker, in: text, from: pcreStart) else { continue }
            let pcre = Array(text[pcreStart..<ruleAt])
            let ruleBody = ruleAt + ruleMarker.count
            // The rule line must be for this expression (profile names have none).
            guard text[ruleBody...].starts(with: pcre + ruleArrow),
                  let open = find(Array(" (0x".utf8), in: text, from: ruleBody + pcre.count + ruleArrow.count),
                  let slash = text[(open + 4)...].firstIndex(of: UInt8(ascii: "/")),
                  let close = text[slash...].firstIndex(of: UInt8(ascii: ")")),
                  let permissions = UInt32(String(decoding: text[(open + 4)..<slash], as: UTF8.self), radix: 16),
                  let quiet = UInt32(String(decoding: text[(slash + 1)..<close], as: UTF8.self), radix: 16)
            else { continue }
            let deny = text[..<open].suffix(5).elementsEqual(" deny".utf8)
            rules.append(CompiledRule(aare: aare, deny: deny, permissions: permissions, quiet: quiet))
            index = close
        }
        return rules
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        var i = from
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}

/// An AARE split into literal bytes and glob operators: what a rule really matches.
enum AARE {
    enum Token: Hashable { case literal(UInt8), glob(String) }

    /// `\c` is the literal `c`; `*`, `**`, `?`, `[`, `]`, `{`, `}`, `,` (and `^` inside brackets)
    /// unescaped are operators.
    static func tokens(_ aare: [UInt8]) -> [Token] {
        var out: [Token] = []
        var i = 0
        while i < aare.count {
            let byte = aare[i]
            if byte == UInt8(ascii: "\\"), i + 1 < aare.count {
                out.append(.literal(aare[i + 1])); i += 2; continue
            }
            if byte == UInt8(ascii: "*") {
                if i + 1 < aare.count, aare[i + 1] == UInt8(ascii: "*") { out.append(.glob("**")); i += 2; continue }
                out.append(.glob("*")); i += 1; continue
            }
            if "?[]{},^".utf8.contains(byte) { out.append(.glob(String(UnicodeScalar(byte)))); i += 1; continue }
            out.append(.literal(byte)); i += 1
        }
        return out
    }

    /// The literal path when the AARE has no operator at all.
    static func literal(_ aare: [UInt8]) -> [UInt8]? {
        var bytes: [UInt8] = []
        for token in tokens(aare) {
            guard case .literal(let b) = token else { return nil }
            bytes.append(b)
        }
        return bytes
    }

    /// The directory prefix when the AARE is exactly `<literal>**`.
    static func directoryPrefix(_ aare: [UInt8]) -> [UInt8]? {
        let t = tokens(aare)
        guard t.last == .glob("**") else { return nil }
        return literal(Array(aare.dropLast(2)))
    }
}

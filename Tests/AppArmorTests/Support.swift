import Foundation
import PalisadeCompiler
import PalisadeDSL
import PalisadeModel
import PalisadeTestSupport
import Testing

/// Building customers, emitting, and reading the result back through the parser.
enum AA {
    static let emitter = AppArmorEmitter()

    /// DSL policy → resolver → emitter (the pipeline without `PolicyChecks`, so values the checks
    /// would refuse, such as a newline, still reach the encoder).
    static func emit(_ customer: Customer, workspace: String = Paths.packageRoot.path) -> (ResolvedCustomer, EmitterOutput) {
        let resolved = Resolver(workspace: workspace).resolve([customer.policy])
        #expect(!resolved.diagnostics.hasErrors, "resolver: \(resolved.diagnostics)")
        let one = resolved.customers[0]
        return (one, emitter.emit(one))
    }

    static func location(_ line: Int = 1) -> PalisadeModel.SourceLocation { SourceLocation(file: "policies/test.swift", line: line) }

    /// A resolved rule written directly.
    static func rule(_ decision: Decision, _ path: String?, match: PathMatch? = .file, kind: FileKind? = nil,
                     sha256: String? = nil, line: Int = 1) -> ResolvedRule {
        ResolvedRule(decision: decision, platform: .linux, sha256: sha256, path: path, pathMatch: path == nil ? nil : match,
                     fileKind: kind, provenance: Provenance(location: location(line), source: path == nil ? "sha256" : "path"))
    }

    static func customer(id: String = "test", mode: Mode = .enforce, overrides: [Backend: Mode] = [:],
                         confinement: LinuxConfinement? = nil, _ rules: [ResolvedRule]) -> ResolvedCustomer {
        ResolvedCustomer(id: id, displayName: "Test", mode: mode, backendModes: overrides, linuxConfinement: confinement,
                         rules: rules.sorted(by: ResolvedRule.sortKey), location: location(1))
    }

    static func text(_ output: EmitterOutput, _ path: String) -> String {
        String(decoding: output.files[path] ?? [], as: UTF8.self)
    }

    /// The rule lines of a profile text: no comments, no blank lines, trimmed.
    static func ruleLines(_ text: String) -> [String] {
        text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    struct PathRule: CustomStringConvertible {
        var deny: Bool, pattern: String, permissions: String
        var description: String { "\(deny ? "audit deny " : "")\(pattern) \(permissions)," }
    }

    /// File rules (`[audit deny] PATTERN PERMS,`, the pattern quoted or starting with `/`). Generated
    /// patterns contain no spaces (everything but the safe set is octal-escaped).
    static func pathRules(_ text: String) -> [PathRule] {
        ruleLines(text).compactMap { line in
            var words = line.split(separator: " ").map(String.init)
            var deny = false
            if words.starts(with: ["audit", "deny"]) { deny = true; words.removeFirst(2) }
            guard words.count == 2, let first = words[0].first, first == "\"" || first == "/",
                  words[1].hasSuffix(",") else { return nil }
            return PathRule(deny: deny, pattern: words[0], permissions: String(words[1].dropLast()))
        }
    }

    /// Writes the bundle's files into a fresh directory; returns it.
    static func write(_ output: EmitterOutput) throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory("palisade-apparmor")
        for (path, bytes) in output.files { try dir.write(Array(path.utf8), bytes) }
        return dir
    }

    /// A profile that includes the hat file, as the PAM service's profile would.
    static func wrapHat(_ hatPath: String, in dir: TemporaryDirectory) throws -> String {
        try dir.write("pam-service", "abi <abi/3.0>,\nprofile pam-service {\n  include \"\(hatPath)\"\n}\n")
    }
}

/// Permission masks the parser gives each exec form, learnt from a control profile (so the tests
/// compare like with like instead of hard-coding the parser's bit layout).
struct ExecMasks {
    let ix: UInt32, rix: UInt32, mrix: UInt32, denyX: UInt32, attach: UInt32

    static func learn(_ parser: AppArmorParser) throws -> ExecMasks {
        let dir = try TemporaryDirectory("palisade-apparmor-control")
        let file = try dir.write("control", """
            abi <abi/3.0>,
            profile control "/c/attach" {
              "/c/ix" ix,
              "/c/rix" rix,
              "/c/mrix" mrix,
              audit deny "/c/denyx" x,
            }

            """)
        let rules = try parser.compiledRules(file)
        func mask(_ path: String, deny: Bool = false) throws -> UInt32 {
            try #require(rules.first { $0.aare == Array(path.utf8) && $0.deny == deny }).permissions
        }
        return ExecMasks(ix: try mask("/c/ix"), rix: try mask("/c/rix"), mrix: try mask("/c/mrix"),
                         denyX: try mask("/c/denyx", deny: true), attach: try mask("/c/attach"))
    }

    /// How a compiled rule runs code, if it does in one of Palisade's forms.
    func label(_ rule: CompiledRule) -> String? {
        if rule.deny { return rule.permissions == denyX ? (rule.quiet == 0 ? "audit deny x" : "quiet deny x") : nil }
        switch rule.permissions {
        case ix: return "ix"
        case mrix: return "mrix"  // the parser compiles rix and mrix alike
        case rix: return "rix"
        default: return nil
        }
    }
}

/// An exec rule as intended (or as the parser saw it): what it does and what it matches.
struct ExecEntry: Hashable, CustomStringConvertible {
    enum Match: Hashable { case file([UInt8]), below([UInt8]), unexpected([UInt8]) }
    var label: String
    var match: Match

    var description: String {
        switch match {
        case .file(let b): return "\(label) file \(String(decoding: b, as: UTF8.self).debugDescription)"
        case .below(let b): return "\(label) below \(String(decoding: b, as: UTF8.self).debugDescription)"
        case .unexpected(let b): return "\(label) GLOB \(String(decoding: b, as: UTF8.self).debugDescription)"
        }
    }

    /// The parser's exec rules, decoded: a literal file, a literal directory plus `**`, or anything
    /// else (a glob nobody intended).
    static func compiled(_ rules: [CompiledRule], masks: ExecMasks) -> Set<ExecEntry> {
        var out = Set<ExecEntry>()
        for rule in rules {
            guard let label = masks.label(rule) else { continue }
            if let literal = AARE.literal(rule.aare) {
                out.insert(ExecEntry(label: label, match: .file(literal)))
            } else if let prefix = AARE.directoryPrefix(rule.aare) {
                out.insert(ExecEntry(label: label, match: .below(prefix)))
            } else {
                out.insert(ExecEntry(label: label, match: .unexpected(rule.aare)))
            }
        }
        return out
    }
}

/// The merged-/usr spellings, written independently of the emitter.
func usrSpellings(_ path: String) -> [String] {
    for legacy in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] where path.hasPrefix(legacy + "/") {
        return [path, "/usr" + path]
    }
    return [path]
}

import PalisadeCompiler
import PalisadeModel

/// Resolved rules and customers built directly, so tests can hand the emitter what the policy
/// checks would refuse (control characters) as well as ordinary rules.
enum Fixture {
    static let location = SourceLocation(file: "policies/test.swift", line: 1)

    /// A distinct, valid lower-case SHA-256 per seed.
    static func hash(_ seed: Int) -> String {
        let digits = Array("0123456789abcdef")
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1
        return String((0..<64).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return digits[Int(state >> 60)]
        })
    }

    static func rule(_ decision: Decision, source: String, sha256: String? = nil, size: Int64? = nil,
                     path: String? = nil, directory: Bool = false, line: Int = 1,
                     platform: Platform = .linux) -> ResolvedRule {
        ResolvedRule(decision: decision, platform: platform, sha256: sha256, size: size, path: path,
                     pathMatch: path == nil ? nil : (directory ? .directory : .file),
                     provenance: Provenance(location: SourceLocation(file: "policies/test.swift", line: line),
                                            source: source))
    }

    /// Allowed file with a reference copy: goes to the trust file.
    static func allowBinary(_ path: String, seed: Int, size: Int64 = 1234, line: Int = 1) -> ResolvedRule {
        rule(.allow, source: "binary", sha256: hash(seed), size: size, path: path, line: line)
    }

    static func denyBinary(_ path: String, seed: Int, line: Int = 1) -> ResolvedRule {
        rule(.deny, source: "binary", sha256: hash(seed), size: 99, path: path, line: line)
    }

    static func customer(id: String = "test", mode: Mode = .enforce, overrides: [Backend: Mode] = [:],
                         _ rules: [ResolvedRule]) -> ResolvedCustomer {
        ResolvedCustomer(id: id, displayName: "Test \(id)", mode: mode, backendModes: overrides,
                         linuxConfinement: nil, rules: rules.sorted(by: ResolvedRule.sortKey), location: location)
    }

    /// One of each Linux construct.
    static func everyConstruct(mode: Mode = .enforce) -> ResolvedCustomer {
        customer(mode: mode, [
            allowBinary("/opt/acme/bin/backup agent", seed: 1, line: 10),
            allowBinary("/opt/acme/bin/report%tool", seed: 2, line: 11),
            rule(.allow, source: "sha256", sha256: hash(3), path: "/opt/initech/bin/tps-report", line: 12),
            rule(.allow, source: "sha256", sha256: hash(4), line: 13),
            rule(.allow, source: "path", path: "/usr/local/bin/legacy", line: 14),
            rule(.allow, source: "directory", path: "/opt/vendor/", directory: true, line: 15),
            denyBinary("/usr/local/bin/remote-support", seed: 5, line: 20),
            rule(.deny, source: "sha256", sha256: hash(6), line: 21),
            rule(.deny, source: "path", path: "/usr/bin/anydesk", line: 22),
            rule(.deny, source: "directory", path: "/opt/teamviewer/", directory: true, line: 23),
        ])
    }

    /// The rule lines (comments dropped) of the emitted fragment.
    static func ruleLines(_ output: EmitterOutput, id: String = "test") -> [String] {
        let bytes = output.files[FapolicydEmitter.rulesFile(for: id)] ?? []
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
    }
}

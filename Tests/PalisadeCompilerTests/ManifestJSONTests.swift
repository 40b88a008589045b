import Foundation
import PalisadeCompiler
import PalisadeModel
import PalisadeTestSupport
import Policies
import Testing

/// The hand-written manifest writer must give exactly JSONEncoder's canonical bytes (sorted keys,
/// pretty printed, unescaped slashes), field by field, whatever the strings contain.
@Suite("manifest.json writer")
struct ManifestJSONTests {
    func encoderBytes(_ manifest: BundleManifest) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try encoder.encode(manifest)) + [0x0A]
    }

    /// Every optional field set, every string hostile: control characters, quotes, backslashes,
    /// slashes, DEL, non-ASCII, a U+2028 and an emoji.
    static let nasty = "a\u{0}b\u{1}\u{8}\u{9}\u{A}\u{C}\u{D}\u{1F}\u{7F}\"\\/é\u{2028}😀 end"

    static func fullRule(_ text: String, decision: Decision = .allow) -> ResolvedRule {
        ResolvedRule(
            decision: decision, platform: .windows, sha256: String(repeating: "ab", count: 32), size: -42,
            path: "C:\\" + text, pathMatch: .directory, fileKind: .pe,
            windows: ResolvedWindowsAttributes(
                collection: .exe, userOrGroupSID: "S-1-5-" + text, appLockerHash: "0x" + text,
                publisher: PublisherCondition(publisher: "O=" + text, product: text, binaryName: text + ".exe",
                                              lowVersion: "1.0", highVersion: "2.0", reference: "ref/" + text)),
            provenance: Provenance(location: SourceLocation(file: "policies/" + text, line: Int.max),
                                   source: "binary", reference: "r/" + text, baseline: "B" + text,
                                   metadata: RuleMetadata(reason: text, owner: text, ticket: text, expires: CalendarDate(text))))
    }

    @Test func everyFieldAndEscapeMatchesJSONEncoder() throws {
        let manifest = BundleManifest(
            customer: .init(id: Self.nasty, displayName: Self.nasty,
                            modes: [.fapolicyd: .audit, .apparmor: .enforce, .applocker: .audit],
                            linuxConfinement: LinuxConfinement(loginShells: ["/bin/" + Self.nasty, "/usr/bin/bash"], pamHat: true)),
            rules: [Self.fullRule(Self.nasty), Self.fullRule("plain", decision: .deny),
                    ResolvedRule(decision: .deny, platform: .linux,
                                 provenance: Provenance(location: SourceLocation(file: "f", line: -1), source: "sha256"))],
            files: ["b/" + Self.nasty: .init(sha256: "00", size: 0), "A10": .init(sha256: "11", size: Int64.max),
                    "A9": .init(sha256: "22", size: Int64.min), "a": .init(sha256: "33", size: 7)])
        #expect(manifest.canonicalJSON() == (try encoderBytes(manifest)))
    }

    /// The enumerations are written from members encoded once: every case, and their absence.
    @Test func everyEnumerationCaseMatchesJSONEncoder() throws {
        var rules: [ResolvedRule] = []
        for decision in [Decision.allow, .deny] {
            for platform in Platform.allCases {
                for pathMatch in [nil, PathMatch.file, .directory] {
                    for fileKind in [nil, FileKind.elf, .pe, .script, .other] {
                        rules.append(ResolvedRule(decision: decision, platform: platform, path: "/p", pathMatch: pathMatch,
                                                  fileKind: fileKind,
                                                  provenance: Provenance(location: SourceLocation(file: "f", line: 1), source: "path")))
                    }
                }
            }
        }
        let manifest = BundleManifest(customer: .init(id: "x", displayName: "X", modes: [:], linuxConfinement: nil),
                                      rules: rules, files: [:])
        #expect(manifest.canonicalJSON() == (try encoderBytes(manifest)))
    }

    @Test func emptyContainersAndNoOptionalFieldsMatchJSONEncoder() throws {
        let manifest = BundleManifest(
            customer: .init(id: "x", displayName: "", modes: [:], linuxConfinement: LinuxConfinement(loginShells: [])),
            rules: [], files: [:])
        #expect(manifest.canonicalJSON() == (try encoderBytes(manifest)))
    }

    @Test func theExampleBundlesManifestsMatchJSONEncoder() throws {
        let output = Compiler(workspace: Paths.packageRoot.path, today: "2026-11-30").compile(PolicyRegistry.customers)
        #expect(!output.bundles.isEmpty)
        for bundle in output.bundles {
            let bytes = try #require(bundle.files[BundleManifest.fileName])
            let manifest = try JSONDecoder().decode(BundleManifest.self, from: Data(bytes))
            #expect(bytes == (try encoderBytes(manifest)), "\(bundle.customerID)")
        }
    }
}

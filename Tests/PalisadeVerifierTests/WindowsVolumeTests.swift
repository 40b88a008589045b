import Foundation
import PalisadeCompiler
import PalisadeDSL
import PalisadeModel
import PalisadeTestSupport
import PalisadeVerifier
import Testing

/// verify on a mounted Windows volume, and against an effective AppLocker policy export.
@Suite("verify: Windows volumes and AppLocker")
struct WindowsVolumeTests {
    static let script = "Write-Host 'acme tool'\r\n"

    func makeBundle() throws -> (TemporaryDirectory, String) {
        let dir = try TemporaryDirectory()
        try dir.write("ref/tool.ps1", Self.script)
        let customer = Customer("winco", name: "Win Co", mode: .enforce) {
            Windows {
                Allow.binary("ref/tool.ps1", at: #"%PROGRAMFILES%\Acme\tool.ps1"#)
                Deny.path(#"C:\Tools\bad.exe"#)
            }
        }
        let output = Compiler(workspace: dir.path, today: "2026-11-30").compile([customer.policy])
        #expect(!output.hasErrors, "\(output.diagnostics)")
        for bundle in output.bundles { try BundleWriter(outputDirectory: dir.path + "/out").write(bundle) }
        return (dir, dir.path + "/out/winco")
    }

    @Test func mountedVolumeFileChecks() throws {
        let (dir, bundle) = try makeBundle()
        let volume = dir.path + "/volume"
        try FileManager.default.createDirectory(atPath: volume + "/Windows/System32", withIntermediateDirectories: true)
        try dir.write("volume/Program Files/Acme/tool.ps1", Self.script)
        let clean = Verifier(root: volume, scanLocations: [#"%PROGRAMFILES%"#]).verify(try LoadedBundle.load(bundle))
        #expect(clean.compliant, "\(clean.findings.filter { $0.kind.isProblem })")
        #expect(clean.findings.contains { $0.kind == .ok && $0.path == #"%PROGRAMFILES%\Acme\tool.ps1"# })

        try dir.write("volume/Program Files/Acme/tool.ps1", Self.script + "# changed\r\n")
        try dir.write("volume/Tools/bad.exe", "MZ not really")
        let dirty = Verifier(root: volume, scanLocations: [#"%PROGRAMFILES%"#]).verify(try LoadedBundle.load(bundle))
        #expect(dirty.findings.contains { $0.kind == .modified && $0.path == #"%PROGRAMFILES%\Acme\tool.ps1"# })
        #expect(dirty.findings.contains { $0.kind == .deniedPresent && $0.path == #"C:\Tools\bad.exe"# })
    }

    @Test func effectivePolicyComparison() throws {
        let (dir, bundle) = try makeBundle()
        let xmlPath = try #require(try FileManager.default.contentsOfDirectory(atPath: bundle + "/applocker").first)
        let xml = try String(contentsOfFile: bundle + "/applocker/" + xmlPath, encoding: .utf8)
        let emptyRoot = dir.path + "/root"
        try FileManager.default.createDirectory(atPath: emptyRoot, withIntermediateDirectories: true)

        func compare(_ text: String) throws -> [Finding] {
            // As PowerShell exports it: UTF-16LE with a byte-order mark.
            var bytes: [UInt8] = [0xFF, 0xFE]
            for unit in text.utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
            var verifier = Verifier(root: emptyRoot, scanLocations: ["/nonexistent"])
            verifier.appLockerEffective = bytes
            return verifier.verify(try LoadedBundle.load(bundle)).findings.filter { $0.check == "applocker" }
        }

        let same = try compare(xml)
        #expect(!same.isEmpty)
        #expect(same.allSatisfy { $0.kind == .ok }, "\(same.filter { $0.kind.isProblem })")

        let audit = try compare(xml.replacingOccurrences(of: "EnforcementMode=\"Enabled\"", with: "EnforcementMode=\"AuditOnly\""))
        #expect(audit.contains { $0.kind == .different && $0.expected == "Enabled" && $0.actual == "AuditOnly" })

        // A rule removed from the effective policy, and an extra allow from another GPO.
        let ruleStart = try #require(xml.range(of: "<FileHashRule"))
        let ruleEnd = try #require(xml.range(of: "</FileHashRule>", range: ruleStart.upperBound..<xml.endIndex))
        let removed = try compare(xml.replacingCharacters(in: ruleStart.lowerBound..<ruleEnd.upperBound, with: ""))
        #expect(removed.contains { $0.kind == .notDeployed })
        let extra = """
            <FilePathRule Id="11111111-2222-3333-4444-555555555555" Name="x" Description="" UserOrGroupSid="S-1-1-0" Action="Allow"><Conditions><FilePathCondition Path="*" /></Conditions></FilePathRule>
            """
        let widened = try compare(xml.replacingOccurrences(of: "</RuleCollection>", with: extra + "</RuleCollection>"))
        #expect(widened.contains { $0.kind == .different && $0.path?.hasSuffix("11111111-2222-3333-4444-555555555555") == true })

        let garbage = try compare("<AppLockerPolicy><RuleCollection")
        #expect(garbage.contains { $0.kind == .unknown })
    }
}

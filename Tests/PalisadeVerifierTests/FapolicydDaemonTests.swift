import Foundation
import PalisadeCrypto
import PalisadeModel
import PalisadeTestSupport
@testable import PalisadeVerifier
import Testing

/// Is fapolicyd running, and did it start after its rules and configuration last changed? Read
/// from a process table; fixtures stand in for /proc.
@Suite("verify: the fapolicyd daemon")
struct FapolicydDaemonTests {
    /// A process table with one process, and the boot time.
    func processTable(name: String, startTicks: UInt64, bootTime: Double) throws -> TemporaryDirectory {
        let proc = try TemporaryDirectory()
        try proc.write("stat", "cpu  1 2 3\nbtime \(Int(bootTime))\nprocesses 9\n")
        try proc.write("4242/comm", name + "\n")
        // A name with a space and a ')' inside: fields are counted from the last ')'.
        try proc.write("4242/stat", "4242 (\(name) x)) S 1 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 \(startTicks) 0 0 0\n")
        return proc
    }

    var ticksPerSecond: Double { Double(sysconf(Int32(_SC_CLK_TCK))) }

    @Test func theRealProcessTableIsRead() throws {
        // This test process's own entry, renamed: its start time is between boot and now.
        let proc = try TemporaryDirectory()
        try proc.write(Array("stat".utf8), Array(try Data(contentsOf: URL(fileURLWithPath: "/proc/stat"))))
        try proc.write(Array("77/stat".utf8), Array(try Data(contentsOf: URL(fileURLWithPath: "/proc/self/stat"))))
        try proc.write("77/comm", "fapolicyd\n")
        let daemon = FapolicydDaemon(procDirectory: proc.path)
        let boot = try #require(daemon.bootTime())
        guard case .running(let since) = daemon.state() else { Issue.record("\(daemon.state())"); return }
        #expect(since >= boot && since <= Date().timeIntervalSince1970 + 1)
    }

    @Test func otherProcessesAreNotTheDaemon() throws {
        let proc = try processTable(name: "fapolicyd-cli", startTicks: 100, bootTime: 1000)
        #expect(FapolicydDaemon(procDirectory: proc.path).state() == .notRunning)
        #expect(FapolicydDaemon(procDirectory: proc.path + "/absent").state() == .unknown(proc.path + "/absent cannot be read"))
    }

    @Test func aDaemonOlderThanItsRulesIsReported() throws {
        let fixture = try HostFixture()
        let now = Date().timeIntervalSince1970
        func daemonFinding(_ proc: TemporaryDirectory?) throws -> Finding? {
            let deployment = Deployment(fs: RootedFileSystem(root: fixture.host.path), bundle: try LoadedBundle.load(fixture.bundle),
                                        rootIsHost: true, apparmorProfilesFile: "/nonexistent",
                                        procDirectory: proc?.path ?? fixture.host.path + "/no-proc")
            return deployment.check().first { $0.path == "fapolicyd" }
        }
        // Started an hour ago; compiled.rules was written by the fixture just now.
        let old = try processTable(name: "fapolicyd", startTicks: UInt64(ticksPerSecond), bootTime: now - 3601)
        let stale = try #require(try daemonFinding(old))
        #expect(stale.kind == .different)
        #expect(stale.message.contains("started before /etc/fapolicyd/"))
        // Started after the last change: booted an hour ago, started 3,700 s after boot.
        let fresh = try processTable(name: "fapolicyd", startTicks: UInt64(3700 * ticksPerSecond), bootTime: now - 3600)
        #expect(try daemonFinding(fresh)?.kind == .ok)
        // Not running.
        let none = try processTable(name: "sshd", startTicks: 1, bootTime: now)
        #expect(try daemonFinding(none)?.kind == .notDeployed)
        // An image under --root: no daemon finding at all.
        let image = Deployment(fs: RootedFileSystem(root: fixture.host.path), bundle: try LoadedBundle.load(fixture.bundle),
                               rootIsHost: false, apparmorProfilesFile: "/nonexistent", procDirectory: old.path)
        #expect(!image.check().contains { $0.path == "fapolicyd" })
    }

    @Test func integrityMustBeSHA256() throws {
        let fixture = try HostFixture()
        func integrity() throws -> Finding? {
            try fixture.verify().findings.first { $0.expected == "integrity = sha256" }
        }
        #expect(try integrity()?.kind == .ok)  // the fixture has integrity = sha256
        try fixture.host.write("etc/fapolicyd/fapolicyd.conf", "permissive = 0\n")
        let none = try #require(try integrity())
        #expect(none.kind == .different && none.actual == "integrity = none")
        try fixture.host.write("etc/fapolicyd/fapolicyd.conf", "permissive = 0\nintegrity = size\n")
        #expect(try integrity()?.actual == "integrity = size")
    }
}

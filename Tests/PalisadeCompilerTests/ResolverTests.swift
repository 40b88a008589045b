import Foundation
import PalisadeCompiler
import PalisadeDSL
import PalisadeModel
import PalisadeTestSupport
import Testing

@Suite("Resolver")
struct ResolverTests {
    @Test func treeTakesExecutablesAndMapsThemOntoTheMountPoint() throws {
        let dir = try TemporaryDirectory()
        try dir.write(Array("image/usr/bin/elf".utf8), [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1], mode: 0o644)
        try dir.write(Array("image/usr/bin/script".utf8), Array("#!/bin/sh\n".utf8), mode: 0o644)
        try dir.write(Array("image/opt/tool.exe".utf8), Array("MZ\u{90}".utf8), mode: 0o644)
        try dir.write(Array("image/usr/local/bin/exec-bit".utf8), Array("data".utf8), mode: 0o755)
        try dir.write(Array("image/etc/config".utf8), Array("not executable".utf8), mode: 0o644)
        try dir.write(Array("image/opt/name with space".utf8), Array("#!/bin/sh\n".utf8), mode: 0o755)
        #expect(symlink("elf", dir.path + "/image/usr/bin/link") == 0)

        let customer = Customer("acme", name: "Acme") { Linux { Allow.tree("image", mountedAt: "/srv/root") } }
        let result = Resolver(workspace: dir.path).resolve([customer.policy])
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let rules = try #require(result.customers.first).rules
        #expect(rules.map(\.path) == [
            "/srv/root/opt/name with space", "/srv/root/opt/tool.exe", "/srv/root/usr/bin/elf",
            "/srv/root/usr/bin/script", "/srv/root/usr/local/bin/exec-bit",
        ])
        #expect(rules.map(\.fileKind) == [.script, .pe, .elf, .script, .other])
        #expect(rules.allSatisfy { $0.sha256?.count == 64 && $0.size != nil && $0.decision == .allow })
        #expect(rules[2].provenance.reference == "image/usr/bin/elf")
    }

    @Test func nonUTF8NameInATreeIsAnError() throws {
        let dir = try TemporaryDirectory()
        try dir.write(Array("image/bad-".utf8) + [0xFF], Array("#!/bin/sh\n".utf8), mode: 0o755)
        let line = #line + 1
        let customer = Customer("acme", name: "Acme") { Linux { Allow.tree("image", mountedAt: "/") } }
        let result = Resolver(workspace: dir.path).resolve([customer.policy])
        let error = try #require(result.diagnostics.first)
        #expect(error.severity == .error)
        #expect(error.location?.line == line)
        #expect(error.message.contains("has a name that is not UTF-8"))
    }

    @Test func binaryIsHashedOnceForEveryCustomerThatUsesIt() throws {
        let dir = try TemporaryDirectory()
        try dir.write("agent", "#!/bin/sh\necho agent\n", mode: 0o755)
        let a = Customer("a", name: "A") { Linux { Allow.binary("agent", at: "/opt/agent") } }
        let b = Customer("b", name: "B") { Linux { Allow.binary("agent", at: "/usr/local/bin/agent") } }
        let result = Resolver(workspace: dir.path).resolve([a.policy, b.policy])
        #expect(result.filesHashed == 1)
        let expected = try run("/usr/bin/sha256sum", [dir.path + "/agent"]).out.prefix(64)
        #expect(result.customers.map { $0.rules[0].sha256 } == [String(expected), String(expected)])
        #expect(result.customers[0].rules[0].size == 21)
    }

    @Test func windowsRulesGetACollectionFromTheFileName() throws {
        let customer = Customer("w", name: "W") {
            Windows {
                Deny.path(#"C:\Tools\a.dll"#)
                Deny.path(#"C:\Tools\b.ps1"#)
                Deny.path(#"C:\Tools\c.exe"#)
                Deny.path(#"C:\Tools\d.msi"#).appliesTo(sid: "S-1-5-32-545")
                Deny.path(#"C:\Tools\e.bin"#).collection(.dll)
            }
        }
        let rules = Resolver(workspace: "/").resolve([customer.policy]).customers[0].rules
        #expect(rules.map { $0.windows?.collection } == [.dll, .script, .exe, .msi, .dll])
        #expect(rules.map { $0.windows?.userOrGroupSID } == ["S-1-1-0", "S-1-1-0", "S-1-1-0", "S-1-5-32-545", "S-1-1-0"])
    }
}

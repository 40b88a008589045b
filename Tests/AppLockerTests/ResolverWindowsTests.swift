import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PalisadeCompiler
import PalisadeCrypto
import PalisadeDSL
import PalisadeModel
import PalisadeTestSupport
import PalisadeWindows
import Testing

/// The whole compile for Windows rules: the resolver fills AppLocker hashes and publishers from
/// reference files, checks warn about user-writable paths, the emitter writes valid XML.
@Suite("Resolver and checks, Windows rules")
struct ResolverWindowsTests {
    static let fixtureDirectory = FileManager.default.temporaryDirectory
        .appendingPathComponent("palisade-applocker-fixtures-\(getpid())").path

    /// The signed PE fixtures, built by the PalisadeWindowsTests script.
    static let fixtures: Result<String, ToolMissing> = {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../PalisadeWindowsTests/Fixtures/build-fixtures.sh").standardized.path
        let dir = fixtureDirectory
        atexit { try? FileManager.default.removeItem(atPath: ResolverWindowsTests.fixtureDirectory) }
        guard let result = try? run("/bin/bash", [script, dir], timeout: 300), result.status == 0 else {
            return .failure(ToolMissing(description: "build-fixtures.sh failed; run .ci/setup test"))
        }
        return .success(dir)
    }()

    static func workspace() throws -> TemporaryDirectory {
        let fixtures = try fixtures.get()
        let dir = try TemporaryDirectory("palisade-ws")
        for name in ["signed-hello64.exe", "hello32.exe"] {
            try FileManager.default.copyItem(atPath: fixtures + "/" + name, toPath: dir.path + "/" + name)
        }
        try dir.write("logon.cmd", "@echo off\r\necho hi\r\n")
        try dir.write("setup.msi", "not really an installer")
        try dir.write("broken.exe", "MZ this is not a PE file at all, just text long enough to have an e_lfanew.......")
        return dir
    }

    static func compile(_ c: Customer, in dir: TemporaryDirectory) -> Compiler.Output {
        Compiler(workspace: dir.path, today: "2026-01-01").compile([c.policy])
    }

    @Test("hash rules get the Authenticode hash (PE) or the flat hash (script); publisher filled from a reference")
    func resolves() throws {
        let dir = try Self.workspace()
        let c = Customer("winco", name: "Win Co", mode: .enforce) {
            Windows {
                Allow.binary("signed-hello64.exe", at: #"%PROGRAMFILES%\Hello\hello.exe"#)
                Allow.binary("logon.cmd", at: #"%PROGRAMFILES%\Hello\logon.cmd"#)
                Allow.publisher(product: "", binaryName: "", versions: (low: "", high: nil), reference: "signed-hello64.exe")
                Deny.path(#"%PROGRAMFILES%\Hello\old.exe"#).appliesTo(sid: "S-1-5-32-545")
            }
        }
        let output = Self.compile(c, in: dir)
        #expect(!output.hasErrors, "\(output.diagnostics)")
        let bundle = try #require(output.bundles.first)
        let xml = try #require(bundle.files["applocker/winco.xml"])
        #expect(try validate(xml).status == 0)
        let doc = try document(xml)

        let pe = try AppLockerFileInformation.read(path: RawPath(dir.path + "/signed-hello64.exe"))
        let data = try doc.nodes(forXPath: "//FileHash/@Data").map { $0.stringValue }
        #expect(data.contains(pe.appLockerHash))
        let flat = SHA256.hash(Array("@echo off\r\necho hi\r\n".utf8))
        #expect(data.contains("0x" + flat.hex.uppercased()))

        let condition = try #require(try doc.nodes(forXPath: "//FilePublisherCondition").first as? XMLElement)
        #expect(condition.attr("PublisherName") == pe.publisher?.publisherName)
        #expect(condition.attr("ProductName") == "PALISADE TEST SUITE")
        #expect(condition.attr("BinaryName") == "HELLO-ORIGINAL.EXE")
        let range = try #require(try condition.nodes(forXPath: "BinaryVersionRange").first as? XMLElement)
        #expect(range.attr("LowSection") == "1.2.3.4")
        #expect(range.attr("HighSection") == "*")
        let deny = try #require(try doc.nodes(forXPath: "//FilePathRule[@Action='Deny']").first as? XMLElement)
        #expect(deny.attr("UserOrGroupSid") == "S-1-5-32-545")
        // The manifest carries the AppLocker hash too.
        let manifest = String(decoding: try #require(bundle.files["manifest.json"]), as: UTF8.self)
        #expect(manifest.contains(pe.hash!.hex))
        #expect(String(decoding: bundle.files["INSTALL.md"] ?? [], as: UTF8.self).contains("Set-AppLockerPolicy"))
    }

    @Test("MSI reference: an error saying 'not supported yet'")
    func msi() throws {
        let dir = try Self.workspace()
        let output = Self.compile(Customer("winco", name: "W") {
            Windows { Allow.binary("setup.msi", at: #"%PROGRAMFILES%\x\setup.msi"#) }
        }, in: dir)
        #expect(output.diagnostics.contains { $0.severity == .error && $0.message.contains("not supported yet") })
        #expect(output.bundles.isEmpty)
    }

    @Test("a malformed PE reference is an error, not a hash")
    func malformed() throws {
        let dir = try Self.workspace()
        let output = Self.compile(Customer("winco", name: "W") {
            Windows { Allow.binary("broken.exe", at: #"%PROGRAMFILES%\x\broken.exe"#) }
        }, in: dir)
        #expect(output.diagnostics.contains { $0.severity == .error && $0.message.contains("not a valid PE file") })
    }

    @Test("an unsigned publisher reference is an error")
    func unsignedReference() throws {
        let dir = try Self.workspace()
        let output = Self.compile(Customer("winco", name: "W") {
            Windows { Allow.publisher(reference: "hello32.exe") }
        }, in: dir)
        #expect(output.diagnostics.contains { $0.severity == .error && $0.message.contains("is not signed") })
    }

    @Test("path rules over user-writable locations warn", arguments: [
        (#"%OSDRIVE%\Users\Public\tool.exe"#, true), (#"%WINDIR%\Temp\x.exe"#, true), (#"C:\Tools\x.exe"#, true),
        (#"%OSDRIVE%\ProgramData\Vendor\x.exe"#, true), (#"%REMOVABLE%\x.exe"#, true),
        (#"%PROGRAMFILES%\Vendor\x.exe"#, false), (#"%WINDIR%\System32\x.exe"#, false), (#"C:\Program Files\V\x.exe"#, false),
    ])
    func userWritable(_ path: String, _ warns: Bool) throws {
        let dir = try Self.workspace()
        let output = Self.compile(Customer("winco", name: "W") { Windows { Allow.path(path) } }, in: dir)
        let warned = output.diagnostics.contains { $0.severity == .warning && $0.message.contains("user-writable") }
        #expect(warned == warns, "\(path): \(output.diagnostics)")
    }
}

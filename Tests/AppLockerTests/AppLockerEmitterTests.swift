import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PalisadeCompiler
import PalisadeModel
import PalisadeTestSupport
import Testing

@Suite("AppLocker emitter")
struct AppLockerEmitterTests {
    /// Every rule kind, in every collection.
    static var rich: [ResolvedRule] {
        [
            windowsRule(.allow, collection: .exe, path: #"%PROGRAMFILES%\Vendor\app.exe"#, hash: hashA, size: 15872, line: 2),
            windowsRule(.deny, collection: .exe, path: #"%PROGRAMFILES%\AnyDesk\AnyDesk.exe"#, line: 3, source: "path"),
            windowsRule(.deny, collection: .exe, path: #"%PROGRAMFILES%\TeamViewer\"#, directory: true, line: 4, source: "directory"),
            windowsRule(.allow, collection: .exe, publisher: PublisherCondition(publisher: "O=CONTOSO, L=REDMOND, S=WASHINGTON, C=US",
                                                                          product: "CONTOSO APP", binaryName: "APP.EXE",
                                                                          lowVersion: "1.2.0.0", highVersion: nil), line: 5, source: "publisher"),
            windowsRule(.allow, collection: .script, path: #"%OSDRIVE%\Scripts\logon.ps1"#, hash: hashB, size: 12, line: 6),
            windowsRule(.allow, collection: .dll, sid: "S-1-5-32-545", path: #"%PROGRAMFILES%\Vendor\lib.dll"#, hash: hashB, size: 99, line: 7),
            windowsRule(.deny, collection: .msi, path: #"%OSDRIVE%\Installers\bad.msi"#, line: 8, source: "path"),
            windowsRule(.allow, collection: .appx, publisher: PublisherCondition(publisher: "CN=CONTOSO", product: "*", binaryName: "*"),
                        line: 9, source: "publisher"),
        ]
    }

    static func emit(_ c: ResolvedCustomer) -> (xml: [UInt8], output: EmitterOutput) {
        let output = AppLockerEmitter().emit(c)
        return (output.files["applocker/\(c.id).xml"] ?? [], output)
    }

    @Test("the XML validates against the project's schema, in both modes", arguments: [Mode.audit, .enforce])
    func validates(_ mode: Mode) throws {
        let (xml, output) = Self.emit(customer(Self.rich, mode: mode))
        #expect(!output.diagnostics.hasErrors, "\(output.diagnostics)")
        let (status, messages) = try validate(xml)
        #expect(status == 0, "\(messages)")
    }

    @Test("structure: collections, modes, rules, hash data, ids")
    func structure() throws {
        let (xml, output) = Self.emit(customer(Self.rich, mode: .enforce))
        let text = String(decoding: xml, as: UTF8.self)
        #expect(text.hasPrefix("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<AppLockerPolicy Version=\"1\">\n"))
        #expect(!text.contains("\r"))
        #expect(text.hasSuffix("</AppLockerPolicy>\n"))
        let doc = try document(xml)
        let collections = try doc.nodes(forXPath: "/AppLockerPolicy/RuleCollection").compactMap { $0 as? XMLElement }
        #expect(collections.map { $0.attr("Type") } == ["Exe", "Msi", "Script", "Dll", "Appx"])
        #expect(collections.allSatisfy { $0.attr("EnforcementMode") == "Enabled" })

        let all = try rules(doc)
        let ids = all.compactMap { $0.attr("Id") }
        #expect(Set(ids).count == ids.count, "ids unique across the policy")
        #expect(all.allSatisfy { $0.attr("Description") != nil && $0.attr("UserOrGroupSid") != nil && $0.attr("Action") != nil })

        let hashes = try doc.nodes(forXPath: "//FileHash").compactMap { $0 as? XMLElement }
        let exeHash = try #require(hashes.first { $0.attr("SourceFileName") == "app.exe" })
        #expect(exeHash.attr("Type") == "SHA256")
        #expect(exeHash.attr("Data") == "0x" + hashA.uppercased())
        #expect(exeHash.attr("SourceFileLength") == "15872")

        let dir = try doc.nodes(forXPath: "//FilePathRule[@Action='Deny']/Conditions/FilePathCondition").compactMap { ($0 as? XMLElement)?.attr("Path") }
        #expect(dir.contains(#"%PROGRAMFILES%\TeamViewer\*"#))
        #expect(dir.contains(#"%PROGRAMFILES%\AnyDesk\AnyDesk.exe"#))

        let range = try #require(try doc.nodes(forXPath: "//FilePublisherRule/Conditions/FilePublisherCondition[@ProductName='CONTOSO APP']/BinaryVersionRange").first as? XMLElement)
        #expect(range.attr("LowSection") == "1.2.0.0")
        #expect(range.attr("HighSection") == "*")

        let dllRule = try #require(all.first { $0.name == "FileHashRule" && $0.attr("Name") == "lib.dll" })
        #expect(dllRule.attr("UserOrGroupSid") == "S-1-5-32-545")
        #expect(output.installNotes?.contains("Set-AppLockerPolicy -XmlPolicy") == true)
        #expect(output.installNotes?.contains("appLockerDefaultRules: false") == true)
    }

    @Test("audit mode writes AuditOnly")
    func auditMode() throws {
        let doc = try document(Self.emit(customer(Self.rich, mode: .audit)).xml)
        let modes = try doc.nodes(forXPath: "/AppLockerPolicy/RuleCollection/@EnforcementMode").map { $0.stringValue }
        #expect(!modes.isEmpty && modes.allSatisfy { $0 == "AuditOnly" })
    }

    @Test("same input, same bytes; ids depend on customer and content, not on names")
    func determinism() throws {
        let a = Self.emit(customer(Self.rich)).xml
        let b = Self.emit(customer(Array(Self.rich.reversed()))).xml
        #expect(a == b)
        var renamed = Self.rich
        renamed[0].provenance.reason = "another reason"
        let c = Self.emit(customer(renamed)).xml
        let idsA = try rules(document(a)).compactMap { $0.attr("Id") }
        let idsC = try rules(document(c)).compactMap { $0.attr("Id") }
        #expect(idsA == idsC)
        let other = try rules(document(Self.emit(customer(Self.rich, id: "otherco")).xml))
        let fromPolicy = Set(try rules(document(a)).filter { $0.attr("Name")?.hasPrefix("(Default Rule)") == false }.compactMap { $0.attr("Id") })
        #expect(fromPolicy.isDisjoint(with: Set(other.compactMap { $0.attr("Id") })))
        // Version 8 (name-based, SHA-256), RFC variant.
        for id in fromPolicy {
            let chars = Array(id)
            #expect(chars.count == 36 && chars[14] == "8" && "89ab".contains(chars[19]), "\(id)")
        }
    }

    @Test("allowlist collections get the default rules; Microsoft's ids only for Microsoft's rules")
    func defaultRules() throws {
        let doc = try document(Self.emit(customer(Self.rich)).xml)
        let exe = try doc.nodes(forXPath: "/AppLockerPolicy/RuleCollection[@Type='Exe']/FilePathRule").compactMap { $0 as? XMLElement }
        #expect(exe.contains { $0.attr("Id") == "921cc481-6e17-4653-8f75-050b80acca20" })
        #expect(exe.contains { $0.attr("Id") == "fd686d83-a829-4351-8ff4-27c7de5755d2" && $0.attr("UserOrGroupSid") == "S-1-5-32-544" })
        // The Windows-folder rule carries exceptions, so it is not Microsoft's rule and not its id.
        let windows = try #require(exe.first { $0.conditionPath == #"%WINDIR%\*"# })
        #expect(windows.attr("Id") != "a61c8b2c-a319-4cd0-9690-d2177cad7b51")
        let exceptions = try windows.nodes(forXPath: "Exceptions/FilePathCondition/@Path").compactMap { $0.stringValue }
        #expect(exceptions.contains(#"%WINDIR%\Temp\*"#))
        #expect(exceptions.contains(#"%SYSTEM32%\spool\drivers\color\*"#))
        // Deny-only Msi collection: one allow-everything rule, no defaults.
        let msi = try doc.nodes(forXPath: "/AppLockerPolicy/RuleCollection[@Type='Msi']/*").compactMap { $0 as? XMLElement }
        #expect(msi.count == 2)
        #expect(msi.contains { $0.attr("Action") == "Allow" && $0.conditionPath == "*" })
        let appx = try doc.nodes(forXPath: "/AppLockerPolicy/RuleCollection[@Type='Appx']/*/@Id").map { $0.stringValue }
        #expect(appx.contains("a9e18c21-ff8f-43cf-b9fc-db40eed693ba"))
    }

    @Test("appLockerDefaultRules: false leaves them out")
    func defaultsOff() throws {
        let doc = try document(Self.emit(customer(Self.rich, defaults: false)).xml)
        let names = try rules(doc).compactMap { $0.attr("Name") }
        #expect(!names.contains { $0.hasPrefix("(Default Rule)") || $0.hasPrefix("(Palisade default rule)") })
        #expect(names.contains("(Palisade) Everything not denied"), "deny-only collections still get their allow rule")
    }

    @Test("no Windows rules, no file")
    func nothingToEmit() {
        let linux = ResolvedRule(decision: .allow, platform: .linux, sha256: hashA, path: "/usr/bin/x", pathMatch: .file,
                                 provenance: Provenance(location: SourceLocation(file: "p", line: 1), source: "binary"))
        let output = AppLockerEmitter().emit(customer([linux]))
        #expect(output.files.isEmpty)
        #expect(output.installNotes == nil)
    }

    @Test("identical rules are written once; ids stay unique")
    func duplicates() throws {
        let rules = [windowsRule(.allow, path: #"C:\A\x.exe"#, hash: hashA, line: 1),
                     windowsRule(.allow, path: #"C:\B\x.exe"#, hash: hashA, line: 2)]
        let (xml, _) = Self.emit(customer(rules))
        let hashRules = try document(xml).nodes(forXPath: "//FileHashRule")
        #expect(hashRules.count == 1)
        #expect(try validate(xml).status == 0)
    }

    @Test("a literal SHA-256 of a PE file is left out with a warning; of a script it is the hash")
    func literalHashes() throws {
        let pe = windowsRule(.deny, collection: .exe, path: #"C:\x.exe"#, sha256: hashA, line: 1, source: "sha256")
        var script = windowsRule(.deny, collection: .script, path: #"C:\x.ps1"#, hash: hashB, sha256: hashB, line: 2, source: "sha256")
        script.size = nil
        let (xml, output) = Self.emit(customer([pe, script]))
        #expect(output.diagnostics.contains { $0.severity == .warning && $0.message.contains("Authenticode") })
        let data = try document(xml).nodes(forXPath: "//FileHash/@Data").map { $0.stringValue }
        #expect(data == ["0x" + hashB.uppercased()])
    }

    @Test("values that would change a rule are refused", arguments: [
        windowsRule(.allow, publisher: PublisherCondition(publisher: "O=X", lowVersion: "1.2.3"), source: "publisher"),
        windowsRule(.allow, publisher: PublisherCondition(publisher: "O=X", lowVersion: "1.0.0.70000"), source: "publisher"),
        windowsRule(.allow, publisher: PublisherCondition(publisher: "O=X", lowVersion: "2.0.0.0", highVersion: "1.0.0.0"), source: "publisher"),
        windowsRule(.allow, publisher: PublisherCondition(publisher: ""), source: "publisher"),
        windowsRule(.allow, publisher: PublisherCondition(publisher: "O=X\nY"), source: "publisher"),
        windowsRule(.allow, sid: "S-1-5-x", path: #"C:\a.exe"#, source: "path"),
        windowsRule(.allow, path: #"C:\a" /><FilePathRule Action="Allow"#, source: "path"),
        windowsRule(.allow, path: "C:\\a\nb.exe", source: "path"),
        windowsRule(.allow, collection: .appx, path: #"C:\a.appx"#, source: "path"),
    ])
    func refusals(_ rule: ResolvedRule) throws {
        let (xml, output) = Self.emit(customer([rule, windowsRule(.allow, path: #"C:\ok.exe"#, hash: hashA, line: 9)]))
        #expect(output.diagnostics.hasErrors)
        if !xml.isEmpty { #expect(try validate(xml).status == 0) }
    }
}

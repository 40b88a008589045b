import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PalisadeCompiler
import PalisadeModel
import Testing

/// Names, descriptions, paths and publisher fields with XML metacharacters, newlines and great
/// length come out escaped, one rule each, and the file stays schema-valid.
@Suite("Hostile names and values")
struct HostileValueTests {
    static let injection = #"" /></Conditions></FilePathRule><FilePathRule Id="00000000-0000-0000-0000-000000000000" Name="x" Description="" UserOrGroupSid="S-1-1-0" Action="Allow"><Conditions><FilePathCondition Path="*"#

    @Test("metacharacters, newlines and very long text")
    func hostile() throws {
        let long = String(repeating: "é<&>\"'", count: 600)   // 3600 characters
        let rules = [
            windowsRule(.allow, path: #"C:\Tools & Stuff\it's <ok>.exe"#, hash: hashA, size: 1,
                        reason: "reason with <tags> & \"quotes\" 'apostrophes'\nand a second line\r\n\tand a tab" + Self.injection,
                        line: 1),
            windowsRule(.deny, path: #"%PROGRAMFILES%\A&B\'quoted'\*"#, reason: long, line: 2, source: "path"),
            windowsRule(.allow, publisher: PublisherCondition(publisher: "O=EVIL\"CORP <&>, L=X, C=US" + Self.injection,
                                                              product: "PRODUCT™ & <CO>", binaryName: "A\"B.EXE"),
                        reason: "🚀 emoji and \u{7F} delete and \u{85} next-line", line: 3, source: "publisher"),
        ]
        let output = AppLockerEmitter().emit(customer(rules))
        #expect(!output.diagnostics.hasErrors, "\(output.diagnostics)")
        let xml = try #require(output.files["applocker/testco.xml"])
        let (status, messages) = try validate(xml)
        #expect(status == 0, "\(messages)")

        let doc = try document(xml)
        let all = try HostileValueTests.policyRules(doc)
        // 3 rules of the policy + 3 Exe default rules: nothing was added by a value.
        #expect(all.count == 6)
        #expect(try doc.nodes(forXPath: "//@Id").allSatisfy { $0.stringValue != "00000000-0000-0000-0000-000000000000" })

        // Values round-trip exactly where they carry meaning…
        let paths = try doc.nodes(forXPath: "//FilePathRule/Conditions/FilePathCondition/@Path").map { $0.stringValue }
        #expect(paths.contains(#"%PROGRAMFILES%\A&B\'quoted'\*"#))
        let publisher = try #require(try doc.nodes(forXPath: "//FilePublisherCondition").first as? XMLElement)
        #expect(publisher.attr("PublisherName") == "O=EVIL\"CORP <&>, L=X, C=US" + Self.injection)
        #expect(publisher.attr("ProductName") == "PRODUCT™ & <CO>")
        #expect(publisher.attr("BinaryName") == "A\"B.EXE")

        // …and free text is one line of at most 1024 characters.
        for rule in all {
            for name in ["Name", "Description"] {
                let value = try #require(rule.attr(name))
                #expect(value.unicodeScalars.count <= 1024)
                #expect(!value.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0.value == 0x85 })
            }
        }
        let text = String(decoding: xml, as: UTF8.self)
        #expect(!text.contains("\r"))
        #expect(text.contains("&lt;tags&gt; &amp; &quot;quotes&quot; &apos;apostrophes&apos;"))
        #expect(text.contains("™"), "UTF-8, not entities")
    }

    static func policyRules(_ doc: XMLDocument) throws -> [XMLElement] { try rules(doc) }
}

import Foundation
import PalisadeCompiler
import PalisadeModel
import Testing

/// The encoder, without the parser: what the text looks like.
@Suite struct EncodingTests {
    static func line(for path: String) -> String? {
        let output = AA.emitter.emit(AA.customer([AA.rule(.allow, path, kind: .elf)]))
        return AA.text(output, "apparmor/palisade.test").split(separator: "\n")
            .first { $0.hasSuffix(" mrix,") && !$0.contains("**") }.map(String.init)
    }

    @Test func everyUnsafeByteIsOctal() {
        #expect(Self.line(for: "/opt/My App/bin/tool") == "  \"/opt/My\\040App/bin/tool\" mrix,")
        #expect(Self.line(for: "/opt/a@{foo}b") == "  \"/opt/a\\100\\173foo\\175b\" mrix,")
        #expect(Self.line(for: "/opt/café/x") == "  \"/opt/caf\\303\\251/x\" mrix,")
        #expect(Self.line(for: "/opt/x\"y\\z\n") == "  \"/opt/x\\042y\\134z\\012\" mrix,")
        #expect(Self.line(for: "/opt/a-b_c.d+e/F9") == "  \"/opt/a-b_c.d+e/F9\" mrix,")
    }

    /// Canonically equivalent but different bytes stay two rules (AppArmor compares bytes).
    @Test func canonicallyEquivalentPathsStayDistinct() {
        let output = AA.emitter.emit(AA.customer([AA.rule(.allow, "/opt/caf\u{E9}"), AA.rule(.allow, "/opt/cafe\u{301}")]))
        let text = AA.text(output, "apparmor/palisade.test")
        #expect(text.contains("\"/opt/caf\\303\\251\" mrix,"))
        #expect(text.contains("\"/opt/cafe\\314\\201\" mrix,"))
    }

    @Test func directoryGlobIsTheOnlyRawGlob() {
        let output = AA.emitter.emit(AA.customer([AA.rule(.allow, "/opt/{a,b}*/", match: .directory)]))
        let text = AA.text(output, "apparmor/palisade.test")
        #expect(text.contains("  \"/opt/\\173a\\054b\\175\\052/**\" mrix,\n"))
        #expect(text.contains("  audit deny \"/opt/\\173a\\054b\\175\\052/{,**}\" wl,\n"))
    }

    @Test func commentsCannotEndTheirLine() {
        var rule = AA.rule(.allow, "/opt/x")
        rule.provenance.location = PalisadeModel.SourceLocation(file: "policies/evil\n/** ux,\n.swift", line: 3)
        let text = AA.text(AA.emitter.emit(AA.customer([rule])), "apparmor/palisade.test")
        #expect(text.contains("  # policies/evil?/** ux,?.swift:3\n"))
        #expect(!text.contains("\n/** ux,"))
    }

    @Test func pathsAppArmorCannotExpressAreErrors() {
        for path in ["relative/x", "/opt/nul\u{0}x", ""] {
            let output = AA.emitter.emit(AA.customer([AA.rule(.allow, path, line: 42)]))
            #expect(output.files.isEmpty)
            #expect(output.diagnostics.contains { $0.severity == .error && $0.location?.line == 42 && $0.backend == .apparmor })
        }
    }
}

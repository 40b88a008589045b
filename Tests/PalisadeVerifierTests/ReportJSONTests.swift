import Foundation
import PalisadeCompiler
import PalisadeModel
import PalisadeTestSupport
import PalisadeVerifier
import Testing

/// The JSON report is written partly by hand (the findings) and must stay byte-identical to what
/// the canonical encoder writes for the whole report.
@Suite("verify: JSON report bytes")
struct ReportJSONTests {
    struct Wrapper: Encodable { var findings: [Finding] }

    static var awkwardFindings: [Finding] {
        var control = ""
        for v in 0..<0x20 { control.unicodeScalars.append(Unicode.Scalar(UInt8(v))) }
        let texts = ["plain", "", control, "\u{7F}\u{80}\u{2028}\u{2029}\u{FEFF}é😀\"\\/", "C:\\Program Files\\x.exe", "\u{FFFD}"]
        var out: [Finding] = []
        for (n, text) in texts.enumerated() {
            out.append(Finding(.allCases[n % Finding.Kind.allCases.count], check: "check \(text)", path: n % 2 == 0 ? "/p/\(text)" : nil,
                               expected: n % 3 == 0 ? text : nil, actual: n % 2 == 1 ? text : nil,
                               rule: n % 2 == 0 ? SourceLocation(file: "policies/\(text).swift", line: n) : nil, message: text))
        }
        out.append(Finding(.ok, check: "file", message: "only the required members"))
        return out
    }

    @Test func findingsAreWrittenAsTheEncoderWritesThem() throws {
        let findings = Self.awkwardFindings
        let expected = try CanonicalJSON.encode(Wrapper(findings: findings))
        let written = Array("{\n  \"findings\" : [\n".utf8) + ReportFormats.canonicalJSONFindings(findings) + Array("\n  ]\n}\n".utf8)
        #expect(String(decoding: written, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        #expect(written == expected)
    }

    @Test func theCommandWritesTheEncodedReport() throws {
        let fixture = try HostFixture()
        try fixture.host.write(Array("usr/bin/tool".utf8), HostFixture.tool + [0x00], mode: 0o755)
        try fixture.host.write("tmp/drop \"per\"\t\u{1}é", "#!/bin/sh\n", mode: 0o755)
        let scan = ["/usr/bin", "/usr/local/bin", "/opt", "/tmp"]
        let result = try run(Paths.endpoint, ["verify", "--bundle", fixture.bundle, "--root", fixture.host.path, "--format", "json"]
                             + scan.flatMap { ["--scan", $0] })
        #expect(result.status == 1, "\(result.err)")
        let report = Verifier(root: fixture.host.path, scanLocations: scan).verify(try LoadedBundle.load(fixture.bundle))
        #expect(report.findings.contains { $0.kind == .ok } && report.findings.contains { $0.kind == .unlisted })
        let expected = try CanonicalJSON.encode(report)
        #expect(String(decoding: result.stdout, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        #expect(Array(result.stdout) == expected)
    }
}

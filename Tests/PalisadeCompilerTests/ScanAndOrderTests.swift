@testable import PalisadeCompiler
import PalisadeModel
import PalisadeTestSupport
import Testing

/// The byte scans the checks and emitters use instead of Foundation or Character iteration.
@Suite struct ByteScanTests {
    static let digest = "9b13943527607982b1edc7b40220f2045bd510d3dee94a54c665c985e2cd47ff"

    /// Every byte value in every position class, against the plain definition.
    @Test func sha256DigitsMatchTheDefinition() {
        for allowingUpperCase in [false, true] {
            #expect(HexDigest.isSHA256(Self.digest, allowingUpperCase: allowingUpperCase))
            for position in [0, 31, 63] {
                for value in 0...255 {
                    var bytes = Array(Self.digest.utf8)
                    bytes[position] = UInt8(value)
                    let scalar = Unicode.Scalar(UInt8(value))
                    let expected = ("0"..."9").contains(scalar) || ("a"..."f").contains(scalar)
                        || (allowingUpperCase && ("A"..."F").contains(scalar))
                    // Bytes >= 0x80 alone are not UTF-8: put in the character instead (two bytes, so 65 in all).
                    let text = value < 0x80 ? String(decoding: bytes, as: UTF8.self)
                                            : String(Self.digest.prefix(position)) + String(scalar) + String(Self.digest.dropFirst(position + 1))
                    #expect(HexDigest.isSHA256(text, allowingUpperCase: allowingUpperCase) == expected,
                            "byte \(value) at \(position), upper-case \(allowingUpperCase)")
                }
            }
            #expect(!HexDigest.isSHA256(String(Self.digest.dropLast()), allowingUpperCase: allowingUpperCase))
            #expect(!HexDigest.isSHA256(Self.digest + "0", allowingUpperCase: allowingUpperCase))
            #expect(!HexDigest.isSHA256("", allowingUpperCase: allowingUpperCase))
        }
        #expect(HexDigest.isSHA256(Self.digest.uppercased(), allowingUpperCase: true))
        #expect(!HexDigest.isSHA256(Self.digest.uppercased(), allowingUpperCase: false))
    }

    @Test func singleLineEscapesEveryControlCharacterAndNothingElse() {
        for value in Array(0..<0x20) + [0x7F] {
            let text = "a\(Character(Unicode.Scalar(UInt8(value))))é"
            let hex = String(value, radix: 16)
            #expect(Diagnostic.singleLine(text) == "a\\x\(hex.count < 2 ? "0" + hex : hex)é", "\(value)")
            var bytes: [UInt8] = []
            Diagnostic.appendSingleLine(Array(text.utf8), to: &bytes)
            #expect(bytes == Array(Diagnostic.singleLine(text).utf8))
        }
        for text in ["", "plain", "caf\u{E9} \u{2026} \u{1D11E}", "\u{80}\u{9F}"] {
            #expect(Diagnostic.singleLine(text) == text)
        }
    }

    @Test func utf8ScansSeeEveryByte() {
        let texts = ["", "plain", "tab\there", "caf\u{E9}", String(repeating: "x", count: 100) + "\u{7F}"]
        for text in texts {
            let control = { (byte: UInt8) in byte < 0x20 || byte == 0x7F }
            #expect(text.containsUTF8Byte(where: control) == text.utf8.contains(where: control), "\(text.debugDescription)")
            #expect(text.allUTF8Bytes { $0 < 0x80 } == text.utf8.allSatisfy { $0 < 0x80 }, "\(text.debugDescription)")
        }
    }
}

/// Orders the compiler computes with decorated keys, against the plain comparison.
@Suite struct DecoratedOrderTests {
    @Test(arguments: 0..<20) func rulesByLocationMatchSourceLocationOrder(seed: Int) {
        var random = SplitMix(seed: UInt64(seed))
        let files = ["policies/acme.swift", "policies/baseline.swift", "policies/z.swift", "policies/caf\u{E9}.swift",
                     "policies/cafe\u{301}.swift"]  // the last two are canonically equivalent
        let rules = (0..<Int.random(in: 0...200, using: &random)).map { _ in
            ResolvedRule(decision: .allow, platform: .linux, path: "/x",
                         provenance: Provenance(location: SourceLocation(file: files.randomElement(using: &random)!,
                                                                         line: Int.random(in: 1...30, using: &random)),
                                                source: "path"))
        }
        let expected = rules.indices.sorted { rules[$0].provenance.location < rules[$1].provenance.location }
        let got = ConflictChecks.indicesByLocation(rules)
        #expect(got.map { rules[$0].provenance.location } == expected.map { rules[$0].provenance.location }, "seed \(seed)")
        #expect(got == expected, "seed \(seed): ties keep their order")
    }

    @Test(arguments: 0..<20) func sortedByKeyMatchesSortKey(seed: Int) {
        var random = SplitMix(seed: UInt64(seed))
        let paths: [String?] = [nil, "/a", "/a/b", "/ab", "/a\u{E9}", "/ae\u{301}", "C:\\x", ""]
        let hashes: [String?] = [nil, String(repeating: "a", count: 64), String(repeating: "b", count: 64), "ab"]
        let rules = (0..<Int.random(in: 0...120, using: &random)).map { _ in
            ResolvedRule(decision: Bool.random(using: &random) ? .allow : .deny,
                         platform: Bool.random(using: &random) ? .linux : .windows,
                         sha256: hashes.randomElement(using: &random)!, path: paths.randomElement(using: &random)!,
                         provenance: Provenance(location: SourceLocation(file: "policies/x.swift",
                                                                         line: Int.random(in: 1...5, using: &random)),
                                                source: "sha256"))
        }
        let expected = rules.sorted(by: ResolvedRule.sortKey)
        #expect(rules.sortedByKey() == expected, "seed \(seed)")
        #expect(expected.sortedByKey() == expected)
    }
}

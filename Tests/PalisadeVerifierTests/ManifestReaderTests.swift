import Foundation
import PalisadeCompiler
import PalisadeCrypto
import PalisadeModel
import PalisadeTestSupport
import PalisadeVerifier
import Testing

/// The fast manifest reader must give exactly what JSONDecoder gives, or decline (and then
/// JSONDecoder decides): it may never accept a document JSONDecoder rejects, nor read one differently.
@Suite("verify: the fast manifest reader")
struct ManifestReaderTests {
    static let awkward = [
        "plain", "", "quote \" backslash \\ slash /", "controls \u{01}\u{08}\u{0C}\n\r\t\u{1F}\u{7F}",
        "é café ü — “quotes” \u{2028}\u{2029}", "emoji 😀 and 𝄞", "NUL \u{0} inside", "e\u{301} decomposed",
        "Latin-1 bytes shown as \u{FFFD}", "/usr/bin/with space", "C:\\Program Files\\Acme\\tool.exe",
    ]

    static func richManifest() -> BundleManifest {
        var rules: [ResolvedRule] = []
        for (n, text) in awkward.enumerated() {
            let provenance = Provenance(location: SourceLocation(file: "policies/\(text).swift", line: n + 1), source: "binary",
                                        reference: n % 2 == 0 ? "examples/\(text)" : nil, baseline: n % 3 == 0 ? "Base \(text)" : nil,
                                        metadata: RuleMetadata(reason: text, owner: n % 2 == 1 ? "ops" : nil, ticket: "T-\(n)",
                                                               expires: n % 4 == 0 ? CalendarDate("2027-01-0\(n % 9 + 1)") : nil))
            rules.append(ResolvedRule(decision: n % 2 == 0 ? .allow : .deny, platform: .linux,
                                      sha256: String(repeating: "ab", count: 32), size: Int64(n) * 1_000_000_007,
                                      path: "/opt/\(text)", pathMatch: n % 5 == 0 ? .directory : .file,
                                      fileKind: [FileKind.elf, .pe, .script, .other][n % 4], provenance: provenance))
        }
        rules.append(ResolvedRule(decision: .allow, platform: .windows, sha256: nil, size: nil, path: nil,
                                  windows: ResolvedWindowsAttributes(
                                    collection: .dll, userOrGroupSID: "S-1-5-32-545", appLockerHash: "0x" + String(repeating: "CD", count: 32),
                                    publisher: PublisherCondition(publisher: "O=GLOBEX, C=US", product: "GLOBEX \"DESKTOP\"", binaryName: "*",
                                                                  lowVersion: "1.0.0.0", highVersion: nil, reference: "x.exe")),
                                  provenance: Provenance(location: SourceLocation(file: "policies/globex.swift", line: 9), source: "publisher")))
        rules.append(ResolvedRule(decision: .deny, platform: .linux, sha256: String(repeating: "0", count: 64), size: Int64.max,
                                  provenance: Provenance(location: SourceLocation(file: "policies/MSPBaseline.swift", line: Int.max), source: "sha256")))
        rules.append(ResolvedRule(decision: .allow, platform: .linux, size: -1, path: "/x",
                                  provenance: Provenance(location: SourceLocation(file: "p.swift", line: -3), source: "path")))
        var files: [String: BundleManifest.FileRecord] = [:]
        for (n, text) in awkward.enumerated() { files["dir/\(text)"] = .init(sha256: String(repeating: "f", count: 64), size: Int64(n)) }
        return BundleManifest(
            customer: .init(id: "acme", displayName: "Acme \"Manufacturing\" 😀", modes: [.fapolicyd: .enforce, .apparmor: .audit, .applocker: .audit],
                            linuxConfinement: LinuxConfinement(loginShells: ["/usr/bin/bash", "/bin/z sh"], pamHat: true)),
            rules: rules, files: files)
    }

    static func decoded(_ bytes: [UInt8]) -> BundleManifest? {
        try? JSONDecoder().decode(BundleManifest.self, from: Data(bytes))
    }

    /// The reader's answer agrees with JSONDecoder's, whatever the input.
    static func expectAgrees(_ bytes: [UInt8], _ comment: Comment? = nil, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        if case .success(let read) = ManifestReader.decode(bytes) {
            let reference = decoded(bytes)
            #expect(reference != nil, "the reader accepted what JSONDecoder rejects \(comment.map { "\($0)" } ?? ""): \(String(decoding: bytes, as: UTF8.self))",
                    sourceLocation: sourceLocation)
            #expect(reference == read, "the reader read it differently \(comment.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
        }
    }

    @Test func readsWhatTheBundleWriterWrites() throws {
        let manifest = Self.richManifest()
        let bytes = try CanonicalJSON.encode(manifest)
        let read = try ManifestReader.decode(bytes).get()
        #expect(read == manifest)
        #expect(read == Self.decoded(bytes))
        // Minimal encodings (no optional keys at all) too.
        let bare = BundleManifest(customer: .init(id: "x", displayName: "", modes: [:], linuxConfinement: nil), rules: [], files: [:])
        #expect(try ManifestReader.decode(CanonicalJSON.encode(bare)).get() == bare)
        #expect(try ManifestReader.decode(Array(JSONEncoder().encode(manifest))).get() == manifest)  // compact, slashes escaped
    }

    @Test func readsOtherSpellingsOfTheSameDocument() throws {
        // Escapes Palisade never writes, nulls for optionals, other key order and whitespace.
        let text = #"""
         {"rules":[{"provenance":{"source":"tr\u0065e","location":{"line":0,"file":"p\/q.swift"},"reason":null},
           "platform":"linux","decision":"allow","path":"\ud83d\ude00\u00e9\u0000\"\\\/\b\f\n\r\t","sha256":null,"size":-9223372036854775808,
           "windows":null,"fileKind":null,"pathMatch":"file"}],
          "modelVersion":1 , "files":{"a\u002Fb":{"size":0,"sha256":"\u00FF"}},
          "customer":{"modes":{},"displayName":"\t","id":"c","linuxConfinement":null},"manifestVersion":-1}
        """#
        let bytes = Array(text.utf8)
        let read = try ManifestReader.decode(bytes).get()
        #expect(read == Self.decoded(bytes))
        #expect(read.rules.first?.path == "😀é\u{0}\"\\/\u{8}\u{C}\n\r\t")
        #expect(read.rules.first?.size == Int64.min)
        #expect(read.files["a/b"]?.sha256 == "ÿ")
        #expect(read.manifestVersion == -1)
    }

    @Test(arguments: [
        ("", "empty"),
        ("   ", "only whitespace"),
        ("[]", "not an object"),
        (#"{"manifestVersion":1}"#, "missing keys"),
        ("\u{FEFF}{}", "byte-order mark"),
        (#"{"manifestVersion":1,"manifestVersion":1}"#, "duplicate key"),
        (#"{"extra":1}"#, "unknown key"),
        (#"{"manifestVersion":1.0}"#, "fraction"),
        (#"{"manifestVersion":1e0}"#, "exponent"),
        (#"{"manifestVersion":01}"#, "leading zero"),
        (#"{"manifestVersion":-0}"#, "negative zero"),
        (#"{"manifestVersion":99999999999999999999}"#, "too large"),
        (#"{"manifestVersion":"1"}"#, "string for a number"),
        (#"{"manifestVersion":1"#, "truncated"),
        (#"{"manifestVersion":1}}"#, "trailing data"),
        (#"{"manifestVersion":1,}"#, "trailing comma"),
        (#"{"customer":{"id":"\ud800","displayName":"","modes":{}}}"#, "lone high surrogate"),
        (#"{"customer":{"id":"\udc00","displayName":"","modes":{}}}"#, "lone low surrogate"),
        (#"{"customer":{"id":"\x","displayName":"","modes":{}}}"#, "invalid escape"),
        (#"{"customer":{"id":"\u12","displayName":"","modes":{}}}"#, "short unicode escape"),
        ("{\"customer\":{\"id\":\"a\u{1}b\",\"displayName\":\"\",\"modes\":{}}}", "raw control character"),
        (#"{"customer":{"id":"x","displayName":"","modes":{"fapolicyd":"block"}}}"#, "unknown mode"),
        (#"{"customer":{"id":"x","displayName":"","modes":{"selinux":"audit"}}}"#, "unknown backend"),
        (#"{"customer":{"id":"x","displayName":"","modes":{"fapolicyd":"audit","fapolicyd":"enforce"}}}"#, "duplicate dictionary key"),
        (#"{"c\u0075stomer":{}}"#, "escaped key"),
        (#"{"customer":{"id":null,"displayName":"","modes":{}}}"#, "null for a required string"),
        (#"{"customer":{"id":"x","displayName":"","modes":{},"linuxConfinement":{"loginShells":[],"pamHat":1}}}"#, "number for a bool"),
        (#"{"customer":{"id":"x","displayName":"","modes":{},"linuxConfinement":{"loginShells":[],"pamHat":tru}}}"#, "bad literal"),
    ])
    func declinesWithAReason(text: String, what: String) {
        let bytes = Array(text.utf8)
        guard case .failure(let decline) = ManifestReader.decode(bytes) else {
            Issue.record("accepted \(what)")
            return
        }
        #expect(!decline.reason.isEmpty && decline.offset >= 0 && decline.offset <= bytes.count, "\(what): \(decline)")
        Self.expectAgrees(bytes, "\(what)")
    }

    @Test func declinesInvalidUTF8() throws {
        var bytes = Array(#"{"customer":{"id":"X","displayName":"","modes":{}}}"#.utf8)
        bytes[bytes.firstIndex(of: UInt8(ascii: "X"))!] = 0xE9  // Latin-1 é: not UTF-8
        guard case .failure(let decline) = ManifestReader.decode(bytes) else {
            Issue.record("accepted invalid UTF-8")
            return
        }
        #expect(decline.reason.contains("UTF-8"))
        #expect(Self.decoded(bytes) == nil)
    }

    /// Thousands of damaged manifests: whatever the reader accepts, JSONDecoder accepts and reads the same.
    @Test func damagedManifestsNeverReadDifferently() throws {
        let good = try CanonicalJSON.encode(Self.richManifest())
        var generator = SplitMix(seed: 7)
        let alphabet = Array(#"{}[]:,"\/ u0123456789abcdefnrt-.eE"#.utf8) + [0x00, 0x0A, 0x1F, 0x7F, 0x80, 0xC3, 0xE9, 0xFF]
        var accepted = 0
        for _ in 0..<3000 {
            var bytes = good
            for _ in 0..<Int(generator.next() % 3 + 1) {
                let at = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 3 {
                case 0: bytes[at] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: at)
                default: bytes.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: at)
                }
            }
            if case .success = ManifestReader.decode(bytes) { accepted += 1 }
            Self.expectAgrees(bytes)
        }
        #expect(accepted > 0)  // some damage is harmless (e.g. in whitespace or inside a string)
    }

    @Test func aMalformedManifestIsAClearError() throws {
        let fixture = try HostFixture()
        let path = fixture.bundle + "/manifest.json"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = String(text.dropLast(3))  // truncated
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            _ = try LoadedBundle.load(fixture.bundle)
        } throws: { error in
            guard case .malformedManifest(let why) = error as? LoadedBundle.LoadError else { return false }
            return !why.isEmpty && "\(error)".hasPrefix("manifest.json is not a Palisade manifest: ")
        }
    }

    @Test func aManifestOnlyJSONDecoderReadsStillLoads() throws {
        // An unknown key (say, from a newer writer): the reader declines, JSONDecoder ignores it; the
        // bundle still loads (the signature check is what protects its content, not the parser).
        let fixture = try HostFixture()
        let path = fixture.bundle + "/manifest.json"
        let original = try LoadedBundle.load(fixture.bundle).manifest
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = "{\n  \"comment\" : \"added\"," + text.dropFirst(1)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect((try? ManifestReader.decode(Array(text.utf8)).get()) == nil)
        #expect(try LoadedBundle.load(fixture.bundle).manifest == original)
    }

    /// Names that are not UTF-8 are files like any other: Foundation's listing skips them, and a
    /// signed bundle with an extra rules file named so was accepted.
    @Test func extraFilesWhoseNamesAreNotUTF8AreRefused() throws {
        let extras: [([UInt8], String)] = [
            (Array("fapolicyd/rules.d/10-".utf8) + [0xFF] + Array("allow.rules".utf8), #"fapolicyd/rules.d/10-\xffallow.rules"#),
            ([0xFE] + Array("/payload".utf8), #"\xfe/payload"#),
        ]
        for (extra, shown) in extras {
            let fixture = try HostFixture()
            _ = try fixture.out.write(Array("acme/".utf8) + extra, Array("allow perm=any all : all\n".utf8))
            #expect(throws: LoadedBundle.LoadError.fileMismatch(["\(shown): not listed in the manifest"])) {
                _ = try LoadedBundle.load(fixture.bundle)
            }
        }
    }

    /// manifest.json and manifest.sig must be the bundle's own files, not links to elsewhere.
    @Test func manifestAndSignatureMustNotBeLinks() throws {
        let fixture = try HostFixture()
        let key = try Ed25519PrivateKey()
        let manifest = fixture.bundle + "/manifest.json"
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: manifest)))
        try Data(try key.signature(for: bytes)).write(to: URL(fileURLWithPath: fixture.bundle + "/manifest.sig"))
        #expect(try LoadedBundle.load(fixture.bundle, trustedKey: key.publicKey).authenticated)

        for name in ["manifest.sig", "manifest.json"] {
            let inside = fixture.bundle + "/" + name, outside = fixture.out.path + "/" + name
            try FileManager.default.moveItem(atPath: inside, toPath: outside)
            #expect(symlink(outside, inside) == 0)
            #expect(throws: LoadedBundle.LoadError.unreadable(inside + ": symbolic link, not followed")) {
                _ = try LoadedBundle.load(fixture.bundle, trustedKey: key.publicKey)
            }
            try FileManager.default.removeItem(atPath: inside)
            try FileManager.default.moveItem(atPath: outside, toPath: inside)
        }
    }

    @Test func loadingInTwoStagesIsLoading() throws {
        let fixture = try HostFixture()
        let staged = try LoadedBundle.Authenticated(fixture.bundle).load()
        let direct = try LoadedBundle.load(fixture.bundle)
        #expect(staged.manifest == direct.manifest && staged.files == direct.files && staged.manifestBytes == direct.manifestBytes)
        #expect(!staged.authenticated)
        // The quick stage already fails for what it checks; the second for the rest.
        #expect(throws: LoadedBundle.LoadError.unreadable(fixture.out.path + "/nope/manifest.json: No such file or directory")) {
            _ = try LoadedBundle.Authenticated(fixture.out.path + "/nope")
        }
        let key = try Ed25519PrivateKey().publicKey
        #expect(throws: LoadedBundle.LoadError.signatureMissing) { _ = try LoadedBundle.Authenticated(fixture.bundle, trustedKey: key) }
        try Data("{}".utf8).write(to: URL(fileURLWithPath: fixture.bundle + "/manifest.json"))
        let first = try LoadedBundle.Authenticated(fixture.bundle)
        #expect(performing: { _ = try first.load() }, throws: { error in
            if case .malformedManifest? = error as? LoadedBundle.LoadError { true } else { false }
        })
    }

}

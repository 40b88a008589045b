import Foundation
import PalisadeCrypto
import PalisadeTestSupport
import PalisadeWindows
import Testing

/// The Authenticode hash against two independent implementations, on real mingw-w64 output.
@Suite("Authenticode hash equals osslsigncode's and pesign's")
struct AuthenticodeOracleTests {
    /// osslsigncode extract-data writes the SpcIndirectDataContent it would sign; the image hash is
    /// its 32-byte OCTET STRING (read with openssl asn1parse).
    static func osslsigncodeHash(_ file: String) throws -> String {
        let osslsigncode = try requireTool("osslsigncode"), openssl = try requireTool("openssl")
        let dir = try TemporaryDirectory("palisade-ossl")
        let out = dir.path + "/data.der"   // a fresh name: extract-data refuses to overwrite
        let extract = try run(osslsigncode, ["extract-data", "-h", "sha256", "-in", file, "-out", out])
        guard extract.status == 0 else { throw PEFixtures.BuildFailed(description: "extract-data: \(extract.out) \(extract.err)") }
        let parsed = try run(openssl, ["asn1parse", "-inform", "DER", "-in", out])
        let line = parsed.out.split(separator: "\n").first { $0.contains("l=  32 prim: OCTET STRING") }
        guard let line, let range = line.range(of: "HEX DUMP]:") else {
            throw PEFixtures.BuildFailed(description: "no 32-byte OCTET STRING in: \(parsed.out)")
        }
        return String(line[range.upperBound...]).trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// pesign -h -P: the hash with the padding rule for odd-size unsigned files.
    static func pesignHash(_ file: String) throws -> String {
        let pesign = try requireTool("pesign")
        let result = try run(pesign, ["-h", "-P", "-d", "sha256", "-i", file])
        let text = result.out + result.err
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("hash: ") }) else {
            throw PEFixtures.BuildFailed(description: "pesign printed no hash: \(text)")
        }
        return String(line.dropFirst("hash: ".count)).lowercased()
    }

    static func ours(_ file: String) throws -> String {
        let source = try FileByteSource(path: RawPath(file))
        return try AuthenticodeHash.compute(source).hex
    }

    @Test("each fixture", arguments: PEFixtures.peFiles)
    func matchesOracles(_ name: String) throws {
        let fixtures = try PEFixtures.get()
        let file = fixtures.path(name)
        let hash = try Self.ours(file)
        #expect(hash == (try Self.osslsigncodeHash(file)), "osslsigncode, \(name)")
        #expect(hash == (try Self.pesignHash(file)), "pesign -P, \(name)")
    }

    @Test("signing keeps the hash; the signature signs exactly it", arguments: ["hello32.exe", "hello64.exe", "lib64.dll", "lib32.dll"])
    func signingKeepsHash(_ name: String) throws {
        let fixtures = try PEFixtures.get()
        let unsigned = try Self.ours(fixtures.path(name))
        let signed = try Self.ours(fixtures.path("signed-" + name))
        #expect(unsigned == signed)
        let info = try AppLockerFileInformation.read(path: RawPath(fixtures.path("signed-" + name)))
        #expect(info.signatureDigestMatches == true)
        // osslsigncode verify's own calculation agrees too.
        let verify = try run(try requireTool("osslsigncode"), ["verify", "-in", fixtures.path("signed-" + name)])
        let line = (verify.out + verify.err).split(separator: "\n").first { $0.contains("Calculated message digest") }
        #expect(line.map { $0.lowercased().replacingOccurrences(of: " ", with: "").hasSuffix(signed) } == true,
                "osslsigncode verify: \(line.map(String.init) ?? "no Calculated message digest line")")
    }

    @Test("odd-size unsigned file: hashed as if zero-padded to a multiple of 8")
    func paddingRule() throws {
        let fixtures = try PEFixtures.get()
        let bytes = try fixtures.bytes("odd32.exe")
        #expect(bytes.count % 8 != 0)
        let image = try PEImage.parse(MemoryByteSource(bytes))
        #expect(image.certificateTable == nil)
        let layout = AuthenticodeHash.layout(of: image)
        #expect(layout.padding == 8 - bytes.count % 8)
        // Padding explicitly gives the same hash as the padded file's own hash.
        let padded = try AuthenticodeHash.compute(MemoryByteSource(bytes + [UInt8](repeating: 0, count: layout.padding)))
        let hash = try AuthenticodeHash.compute(MemoryByteSource(bytes))
        #expect(hash == padded)
        // And not the unpadded hash (what pesign without -P computes).
        var hasher = SHA256()
        for range in layout.ranges { hasher.update(bytes[Int(range.lowerBound)..<Int(range.upperBound)]) }
        #expect(hasher.finalize() != hash)
    }

    @Test("formats and kinds are read correctly")
    func formats() throws {
        let fixtures = try PEFixtures.get()
        let expectations: [(String, PEImage.Format, Bool)] = [
            ("hello32.exe", .pe32, false), ("hello64.exe", .pe32Plus, false),
            ("lib64.dll", .pe32Plus, true), ("lib32.dll", .pe32, true),
        ]
        for (name, format, dll) in expectations {
            let image = try PEImage.parse(MemoryByteSource(try fixtures.bytes(name)))
            #expect(image.format == format, "\(name)")
            #expect(image.isDLL == dll, "\(name)")
            #expect(image.certificateTable == nil)
            let signed = try PEImage.parse(MemoryByteSource(try fixtures.bytes("signed-" + name)))
            #expect(signed.certificateTable != nil)
        }
    }

    @Test("AppLocker's hash text: 0x and upper-case hex")
    func hashText() throws {
        let fixtures = try PEFixtures.get()
        let info = try AppLockerFileInformation.read(path: RawPath(fixtures.path("hello64.exe")))
        let hex = try Self.osslsigncodeHash(fixtures.path("hello64.exe"))
        #expect(info.appLockerHash == "0x" + hex.uppercased())
        #expect(info.hashKind == .authenticode)
        #expect(info.size == Int64(try fixtures.bytes("hello64.exe").count))
    }
}

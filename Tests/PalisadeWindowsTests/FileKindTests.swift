import Foundation
import PalisadeCrypto
import PalisadeTestSupport
import PalisadeWindows
import Testing

@Suite("Flat hashes for scripts; MSI not supported; malformed PE files")
struct FileKindTests {
    @Test("a script's AppLocker hash is its flat SHA-256 (sha256sum)", arguments: ["a.ps1", "b.bat", "c.cmd", "d.vbs", "e.js"])
    func scripts(_ name: String) throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write(name, "Write-Host 'hello'\r\n")
        let info = try AppLockerFileInformation.read(path: RawPath(path))
        #expect(info.kind == .script)
        #expect(info.hashKind == .flat)
        let sum = try run(try requireTool("sha256sum"), [path]).out.prefix(64)
        #expect(info.hash?.hex == String(sum))
    }

    @Test("the documented one-byte example")
    func oneByte() throws {
        let info = try AppLockerFileInformation.read(MemoryByteSource(Array("1".utf8)), fileName: "one.ps1")
        #expect(info.appLockerHash == "0x6B86B273FF34FCE19D6B804EFF5A3F5747ADA4EAA22F1D49C01E52DDB7875B4B")
    }

    @Test("MSI: no hash, a clear 'not supported yet'", arguments: [
        ("setup.msi", [UInt8]("text".utf8)),
        ("installer.bin", [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0]),
        ("patch.MSP", [UInt8]("x".utf8)),
    ])
    func msi(_ name: String, _ bytes: [UInt8]) throws {
        let info = try AppLockerFileInformation.read(MemoryByteSource(bytes), fileName: name)
        #expect(info.kind == .msi)
        #expect(info.hash == nil)
        #expect(info.hashProblem?.description.contains("not supported yet") == true)
    }

    @Test("malformed PE files are errors with a reason", arguments: [
        ("empty", [UInt8]()),
        ("MZ only", [0x4D, 0x5A]),
        ("DOS header only", [0x4D, 0x5A] + [UInt8](repeating: 0, count: 62)),
    ])
    func tiny(_ label: String, _ bytes: [UInt8]) throws {
        #expect(throws: WindowsFileError.self, "\(label)") { try AuthenticodeHash.compute(MemoryByteSource(bytes)) }
    }

    /// Sets a little-endian u32 in a copy of `bytes`.
    static func patched(_ bytes: [UInt8], at offset: Int, _ value: UInt32) -> [UInt8] {
        var copy = bytes
        for i in 0..<4 { copy[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
        return copy
    }

    @Test("structural damage is refused, never hashed")
    func structural() throws {
        let fixtures = try PEFixtures.get()
        let signed = try fixtures.bytes("signed-hello64.exe")
        let image = try PEImage.parse(MemoryByteSource(signed))
        let entry = Int(image.certificateEntryOffset)
        let table = try #require(image.certificateTable)
        let lfanew = Int(signed[0x3C]) | Int(signed[0x3D]) << 8

        var cases: [(String, [UInt8])] = []
        cases.append(("data after the signature", signed + [0, 0, 0, 0, 0, 0, 0, 0]))
        cases.append(("signature past the end", Self.patched(signed, at: entry + 4, UInt32(table.count + 8))))
        cases.append(("signature offset zero", Self.patched(signed, at: entry, 0)))
        cases.append(("e_lfanew past the end", Self.patched(signed, at: 0x3C, 0x7FFF_FFF0)))
        cases.append(("e_lfanew into the DOS header", Self.patched(signed, at: 0x3C, 8)))
        var badMagic = signed; badMagic[lfanew + 24] = 0x0C
        cases.append(("bad optional header magic", badMagic))
        var badSignature = signed; badSignature[lfanew] = 0x50; badSignature[lfanew + 1] = 0x51
        cases.append(("no PE signature", badSignature))
        cases.append(("fewer than five data directories", Self.patched(signed, at: lfanew + 24 + 108, 4)))
        cases.append(("truncated inside a section", Array(signed.prefix(Int(table.lowerBound) - 100))))
        for (label, bytes) in cases {
            #expect(throws: WindowsFileError.self, "\(label)") {
                _ = try AppLockerFileInformation.read(MemoryByteSource(bytes), fileName: "x.exe")
            }
        }
    }

    @Test("a broken signature blob keeps the hash but has no publisher")
    func brokenSignatureBlob() throws {
        let fixtures = try PEFixtures.get()
        var bytes = try fixtures.bytes("signed-hello64.exe")
        let table = try #require(try PEImage.parse(MemoryByteSource(bytes)).certificateTable)
        for i in Int(table.lowerBound + 8)..<Int(table.lowerBound + 40) { bytes[i] = 0xAA }
        let info = try AppLockerFileInformation.read(MemoryByteSource(bytes), fileName: "x.exe")
        #expect(info.publisher == nil)
        #expect(info.signatureProblem != nil)
        let unsigned = try AppLockerFileInformation.read(path: RawPath(fixtures.path("hello64.exe")))
        #expect(info.hash == unsigned.hash)
    }
}

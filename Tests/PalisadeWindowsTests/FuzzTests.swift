import Foundation
import PalisadeCrypto
import PalisadeTestSupport
import PalisadeWindows
import Testing

/// Thousands of truncations and byte flips of the PE fixtures: the parsers never crash, a broken
/// file never gets a hash, and a hash, when given, is the one the documented layout defines.
@Suite("PE parser fuzzing")
struct FuzzTests {
    /// Everything a file goes through: headers, hash, version resource, signature, publisher.
    static func exercise(_ bytes: [UInt8]) -> Result<AppLockerFileInformation, WindowsFileError> {
        Result { () throws(WindowsFileError) in try AppLockerFileInformation.read(MemoryByteSource(bytes), fileName: "f.exe") }
    }

    /// The hash the documented layout gives for `bytes`, computed independently of the parser's
    /// hashing code from the header fields alone.
    static func referenceHash(_ bytes: [UInt8]) -> SHA256Digest? {
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        let oh = u32(0x3C) + 24
        let magic = u16(oh)
        let certEntry = oh + (magic == 0x20B ? 144 : 128)
        let certOffset = u32(certEntry), certSize = u32(certEntry + 4)
        let end = certSize == 0 ? bytes.count : certOffset
        var hasher = SHA256()
        hasher.update(bytes[0..<(oh + 64)])
        hasher.update(bytes[(oh + 68)..<certEntry])
        hasher.update(bytes[(certEntry + 8)..<end])
        if certSize == 0 && bytes.count % 8 != 0 { hasher.update([UInt8](repeating: 0, count: 8 - bytes.count % 8)) }
        return hasher.finalize()
    }

    @Test("truncations: every cut file is refused", arguments: ["hello32.exe", "signed-hello64.exe", "signed-lib32.dll", "lib64.dll"])
    func truncations(_ name: String) throws {
        let fixtures = try PEFixtures.get()
        let bytes = try fixtures.bytes(name)
        #expect((try? Self.exercise(bytes).get()) != nil, "the intact file parses")
        var generator = SplitMix(seed: 0x5EED_0000 &+ UInt64(bytes.count))
        // Every length in the headers, then random lengths across the file, then the last bytes.
        var lengths = Array(0..<min(bytes.count, 1024))
        lengths += (0..<600).map { _ in Int.random(in: 0..<bytes.count, using: &generator) }
        lengths += Array(max(0, bytes.count - 64)..<bytes.count)
        let deadline = Date().addingTimeInterval(8)
        var tried = 0
        for length in lengths {
            if Date() > deadline { break }
            let result = Self.exercise(Array(bytes.prefix(length)))
            if case .success(let info) = result, info.kind == .pe {
                Issue.record("\(name) cut to \(length) of \(bytes.count) bytes got a hash: \(info.appLockerHash ?? "-")")
            }
            tried += 1
        }
        #expect(tried >= 1000)
    }

    @Test("byte flips: no crash; structural damage refused; any hash is the documented one",
          arguments: ["hello32.exe", "signed-hello64.exe", "signed-lib64.dll"])
    func flips(_ name: String) throws {
        let fixtures = try PEFixtures.get()
        let bytes = try fixtures.bytes(name)
        let image = try PEImage.parse(MemoryByteSource(bytes))
        let lfanew = Int(bytes[0x3C]) | Int(bytes[0x3D]) << 8
        // Bytes whose change must make the file invalid: MZ, PE\0\0, the optional header magic.
        let fatal = Set([0, 1, lfanew, lfanew + 1, lfanew + 2, lfanew + 3, lfanew + 24, lfanew + 25])
        let headerEnd = Int(image.sizeOfHeaders)
        var generator = SplitMix(seed: 0xF11B_0000 &+ UInt64(bytes.count))
        let deadline = Date().addingTimeInterval(10)
        var tried = 0, refused = 0
        while tried < 2500 && Date() < deadline {
            var copy = bytes
            // Mostly the headers (where the structure is), sometimes anywhere; 1 to 4 bytes.
            var touched: [Int] = []
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let offset = Bool.random(using: &generator)
                    ? Int.random(in: 0..<headerEnd, using: &generator)
                    : Int.random(in: 0..<bytes.count, using: &generator)
                copy[offset] ^= UInt8.random(in: 1...255, using: &generator)
                touched.append(offset)
            }
            let result = Self.exercise(copy)
            switch result {
            case .success(let info) where copy[0] != 0x4D || copy[1] != 0x5A:
                // No longer MZ: not a PE file any more, so AppLocker's hash is the flat SHA-256.
                #expect(info.kind == .other && info.hash == SHA256.hash(copy))
            case .success(let info):
                #expect(info.kind == .pe)
                if touched.contains(where: fatal.contains), copy[0] == 0x4D, copy[1] == 0x5A {
                    // Still MZ but a signature or magic changed: must be refused.
                    if copy[lfanew..<lfanew + 4] != bytes[lfanew..<lfanew + 4]
                        || copy[lfanew + 24..<lfanew + 26] != bytes[lfanew + 24..<lfanew + 26] {
                        Issue.record("\(name) with broken signature/magic at \(touched) got a hash")
                    }
                }
                #expect(info.hash == Self.referenceHash(copy), "\(name) flipped at \(touched)")
            case .failure:
                refused += 1
            }
            tried += 1
        }
        #expect(tried >= 500, "flips tried in the time budget")
        #expect(refused > 0)
    }

    @Test("random garbage that starts with MZ")
    func garbage() {
        var generator = SplitMix(seed: 42)
        for _ in 0..<1000 {
            var bytes = [UInt8](repeating: 0, count: Int.random(in: 0..<2048, using: &generator))
            for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &generator) }
            if bytes.count >= 2 { bytes[0] = 0x4D; bytes[1] = 0x5A }
            if bytes.count >= 0x40 { bytes[0x3C] = 0x40; bytes[0x3D] = 0; bytes[0x3E] = 0; bytes[0x3F] = 0 }
            _ = Self.exercise(bytes)
            _ = VersionInfo.parse(bytes)
            _ = try? AuthenticodeSignature.parse(bytes)
        }
    }
}

import PalisadeTestSupport
import Testing
@testable import PalisadeCrypto

@Suite("SHA-256 known answers (FIPS 180-4 examples)")
struct SHA256Tests {
    @Test func emptyInput() {
        #expect(SHA256.hash([UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func abc() {
        #expect(SHA256.hash(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func twoBlockMessage() {
        let message = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        #expect(SHA256.hash(Array(message.utf8)).hex == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func millionA() {
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(SHA256.hash(message).hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("streaming at odd boundaries equals one-shot", arguments: [1, 3, 63, 64, 65, 127, 1000, 4097])
    func streamingSplits(chunk: Int) {
        var generator = SplitMix(seed: UInt64(chunk))
        let message = (0..<100_003).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let oneShot = SHA256.hash(message)
        var hasher = SHA256()
        var offset = 0
        while offset < message.count {
            let end = min(message.count, offset + chunk)
            hasher.update(message[offset..<end])
            offset = end
        }
        #expect(hasher.finalize() == oneShot)
        // finalize() resets: the same object hashes the next message from scratch.
        hasher.update(Array("abc".utf8))
        #expect(hasher.finalize().hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func hexParsing() {
        let hex = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        #expect(SHA256Digest(hex: hex)?.hex == hex.lowercased())
        #expect(SHA256Digest(hex: String(hex.dropLast())) == nil)
        #expect(SHA256Digest(hex: String(hex.dropLast()) + "g") == nil)
        #expect(SHA256Digest(hex: hex + "00") == nil)
    }

    /// The digest value (bytes held inline) behaves as its 32 bytes: equality, hashing and
    /// order agree with the byte arrays, on pairs that differ in one byte at every position.
    @Test func digestValueBehavesAsItsBytes() throws {
        var random = SplitMix(seed: 32)
        let base = (0..<32).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        var arrays = [base, [UInt8](repeating: 0, count: 32), [UInt8](repeating: 0xFF, count: 32)]
        for position in 0..<32 {
            var changed = base
            changed[position] &+= 1
            arrays.append(changed)
        }
        let digests = try arrays.map { try #require(SHA256Digest(bytes: $0)) }
        for (a, x) in zip(arrays, digests) {
            #expect(x.bytes == a)
            #expect(SHA256Digest(hex: x.hex) == x)
            for (b, y) in zip(arrays, digests) {
                #expect((x == y) == (a == b))
                #expect((x < y) == a.lexicographicallyPrecedes(b))
            }
        }
        #expect(Set(digests).count == Set(arrays).count)
        #expect(SHA256Digest(bytes: Array(base.dropLast())) == nil)
        #expect(SHA256Digest(bytes: base + [0]) == nil)
    }

    /// `matches(hex:)` says yes to the digest's own lower-case hex only: not to upper case, not
    /// to a wrong digit anywhere, not to a wrong length.
    @Test func matchesItsOwnLowerCaseHexOnly() {
        let digest = SHA256.hash(Array("abc".utf8))
        #expect(digest.matches(hex: digest.hex))
        #expect(!digest.matches(hex: digest.hex.uppercased()))
        #expect(!digest.matches(hex: String(digest.hex.dropLast())))
        #expect(!digest.matches(hex: digest.hex + "0"))
        for position in 0..<64 {
            var digits = Array(digest.hex.utf8)
            digits[position] = digits[position] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
            #expect(!digest.matches(hex: String(decoding: digits, as: UTF8.self)), "digit \(position)")
        }
    }

    @Test func providerIsReported() {
        #expect(!SHA256.provider.isEmpty)
    }
}

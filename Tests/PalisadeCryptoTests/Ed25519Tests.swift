import Testing
@testable import PalisadeCrypto

private func bytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var it = hex.utf8.makeIterator()
    while let hi = it.next(), let lo = it.next() { out.append(hexValue(hi)! << 4 | hexValue(lo)!) }
    return out
}

@Suite("Ed25519 through Crypto++")
struct Ed25519Tests {
    // RFC 8032, section 7.1, TEST 1 (empty message).
    let seed = bytes("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    let publicKey = bytes("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    let signature = bytes("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")

    @Test func rfc8032Vector1() throws {
        let key = try Ed25519PrivateKey(seed: seed)
        #expect(key.publicKey.rawRepresentation == publicKey)
        #expect(try key.signature(for: []) == signature)
        #expect(key.publicKey.isValidSignature(signature, for: []))
    }

    @Test func tamperedMessageAndSignatureAreRejected() throws {
        let key = try Ed25519PrivateKey()
        let message = Array("manifest.json bytes".utf8)
        let sig = try key.signature(for: message)
        #expect(key.publicKey.isValidSignature(sig, for: message))

        var tamperedMessage = message
        tamperedMessage[3] ^= 0x01
        #expect(!key.publicKey.isValidSignature(sig, for: tamperedMessage))

        for index in [0, 31, 32, 63] {
            var tamperedSignature = sig
            tamperedSignature[index] ^= 0x80
            #expect(!key.publicKey.isValidSignature(tamperedSignature, for: message))
        }
        #expect(!key.publicKey.isValidSignature(Array(sig.dropLast()), for: message))
        let otherKey = try Ed25519PrivateKey()
        #expect(!otherKey.publicKey.isValidSignature(sig, for: message))
    }

    /// RFC 8032 §5.1.7: S must be below the group order L. With S + L the same equation holds,
    /// so a verifier that does not check gives every message a second valid signature.
    @Test func signaturesWithSAtOrAboveTheGroupOrderAreRejected() throws {
        let key = try Ed25519PrivateKey(seed: seed)
        let order = bytes("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")  // L, little-endian
        var malleable = signature
        var carry = 0
        for index in 0..<32 {
            let sum = Int(signature[32 + index]) + Int(order[index]) + carry
            malleable[32 + index] = UInt8(sum & 0xFF)
            carry = sum >> 8
        }
        #expect(carry == 0 && malleable != signature)
        #expect(key.publicKey.isValidSignature(signature, for: []))
        #expect(!key.publicKey.isValidSignature(malleable, for: []))
        #expect(!key.publicKey.isValidSignature(Array(signature[..<32]) + order, for: []))  // S = L
    }

    @Test func derRoundTripMatchesOpenSSLLayout() throws {
        let key = try Ed25519PrivateKey(seed: seed)
        // PKCS#8 v1 and SubjectPublicKeyInfo, byte for byte as OpenSSL writes them.
        #expect(key.derRepresentation == bytes("302e020100300506032b657004220420") + seed)
        #expect(key.publicKey.derRepresentation == bytes("302a300506032b6570032100") + publicKey)
        #expect(try Ed25519PrivateKey(derRepresentation: key.derRepresentation).seed == seed)
        #expect(try Ed25519PublicKey(derRepresentation: key.publicKey.derRepresentation).rawRepresentation == publicKey)
    }

    @Test func malformedDERIsAnErrorNotACrash() throws {
        let good = try Ed25519PrivateKey(seed: seed).derRepresentation
        let goodPublic = try Ed25519PrivateKey(seed: seed).publicKey.derRepresentation
        let cases: [[UInt8]] = [
            [0x30], [0x30, 0x00], Array(good.dropLast()), good + [0x00], [UInt8](repeating: 0xFF, count: 48),
            bytes("302e020100300506032b657104220420") + seed,  // X448 OID, not Ed25519
        ]
        for der in cases {
            #expect(throws: CryptoError.self) { try Ed25519PrivateKey(derRepresentation: der) }
        }
        #expect(throws: CryptoError.self) { try Ed25519PrivateKey(derRepresentation: []) }
        for der in [Array(goodPublic.dropLast()), goodPublic + [0], [0x30, 0x2A], good] {
            #expect(throws: CryptoError.self) { try Ed25519PublicKey(derRepresentation: der) }
        }
        #expect(throws: CryptoError.self) { try Ed25519PrivateKey(seed: Array(seed.dropLast())) }
        #expect(throws: CryptoError.self) { try Ed25519PublicKey(rawRepresentation: [1, 2, 3]) }
    }
}

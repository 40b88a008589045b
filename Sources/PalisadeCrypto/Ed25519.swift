import CCryptoShim

/// Errors from the Crypto++ shim, as Swift errors.
public enum CryptoError: Error, Equatable, CustomStringConvertible {
    case invalidArgument
    case badSignature
    case malformedKey(String)
    case outOfMemory
    case internalFailure(Int32)

    init(status: Int32, context: String) {
        switch status {
        case Int32(PALISADE_ERR_ARGUMENT.rawValue): self = .invalidArgument
        case Int32(PALISADE_ERR_BAD_SIGNATURE.rawValue): self = .badSignature
        case Int32(PALISADE_ERR_DECODE.rawValue): self = .malformedKey(context)
        case Int32(PALISADE_ERR_NO_MEMORY.rawValue): self = .outOfMemory
        default: self = .internalFailure(status)
        }
    }

    public var description: String {
        switch self {
        case .invalidArgument: return "invalid argument to the crypto library"
        case .badSignature: return "signature does not verify"
        case .malformedKey(let what): return "malformed \(what)"
        case .outOfMemory: return "out of memory"
        case .internalFailure(let code): return "crypto library failure (status \(code))"
        }
    }
}

@inline(__always)
private func check(_ status: Int32, _ context: String) throws(CryptoError) {
    if status != 0 { throw CryptoError(status: status, context: context) }
}

/// An Ed25519 public key (32 bytes).
public struct Ed25519PublicKey: Hashable, Sendable {
    public let rawRepresentation: [UInt8]

    public init(rawRepresentation: [UInt8]) throws(CryptoError) {
        guard rawRepresentation.count == 32 else { throw .malformedKey("Ed25519 public key: expected 32 bytes") }
        self.rawRepresentation = rawRepresentation
    }

    /// Parses an X.509 SubjectPublicKeyInfo (DER), as `openssl pkey -pubout -outform DER` writes it.
    public init(derRepresentation der: [UInt8]) throws(CryptoError) {
        guard !der.isEmpty else { throw .malformedKey("Ed25519 public key DER: empty") }
        var raw = [UInt8](repeating: 0, count: 32)
        let status = der.withUnsafeBufferPointer { d in
            raw.withUnsafeMutableBufferPointer { palisade_ed25519_public_from_der(d.baseAddress, d.count, $0.baseAddress) }
        }
        try check(status, "Ed25519 public key DER")
        rawRepresentation = raw
    }

    public var derRepresentation: [UInt8] {
        var out = [UInt8](repeating: 0, count: 128)
        var written = 0
        let status = rawRepresentation.withUnsafeBufferPointer { k in
            out.withUnsafeMutableBufferPointer { palisade_ed25519_public_to_der(k.baseAddress, $0.baseAddress, $0.count, &written) }
        }
        precondition(status == 0, "encoding a valid public key cannot fail")
        return Array(out.prefix(written))
    }

    /// True when `signature` is a valid Ed25519 signature of `message` by this key.
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard signature.count == 64, Self.isCanonicalScalar(signature[32...]) else { return false }
        let status = rawRepresentation.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                signature.withUnsafeBufferPointer { s in
                    palisade_ed25519_verify(k.baseAddress, m.baseAddress, m.count, s.baseAddress)
                }
            }
        }
        return status == 0
    }

    /// The group order L = 2^252 + 27742317777372353535851937790883648493, little-endian.
    static let groupOrder: [UInt8] = [
        0xED, 0xD3, 0xF5, 0x5C, 0x1A, 0x63, 0x12, 0x58, 0xD6, 0x9C, 0xF7, 0xA2, 0xDE, 0xF9, 0xDE, 0x14,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ]

    /// RFC 8032 §5.1.7: S, the signature's second half, must be below L. Crypto++'s verifier does
    /// not check it, so S + L passed as a second valid signature of the same message (OpenSSL
    /// refuses it): a signed bundle could be altered byte-wise and still verify.
    static func isCanonicalScalar(_ s: ArraySlice<UInt8>) -> Bool {
        let s = Array(s)
        for index in stride(from: 31, through: 0, by: -1) where s[index] != groupOrder[index] {
            return s[index] < groupOrder[index]
        }
        return false  // S == L
    }
}

/// An Ed25519 private key, held as its 32-byte seed.
public struct Ed25519PrivateKey: Sendable {
    public let seed: [UInt8]
    public let publicKey: Ed25519PublicKey

    /// A new random key from the operating system's generator.
    public init() throws(CryptoError) {
        var seed = [UInt8](repeating: 0, count: 32)
        var pub = [UInt8](repeating: 0, count: 32)
        let status = seed.withUnsafeMutableBufferPointer { s in
            pub.withUnsafeMutableBufferPointer { palisade_ed25519_generate(s.baseAddress, $0.baseAddress) }
        }
        try check(status, "Ed25519 key generation")
        self.seed = seed
        self.publicKey = try Ed25519PublicKey(rawRepresentation: pub)
    }

    public init(seed: [UInt8]) throws(CryptoError) {
        guard seed.count == 32 else { throw .malformedKey("Ed25519 private key: expected a 32-byte seed") }
        var pub = [UInt8](repeating: 0, count: 32)
        let status = seed.withUnsafeBufferPointer { s in
            pub.withUnsafeMutableBufferPointer { palisade_ed25519_public_from_seed(s.baseAddress, $0.baseAddress) }
        }
        try check(status, "Ed25519 private key")
        self.seed = seed
        self.publicKey = try Ed25519PublicKey(rawRepresentation: pub)
    }

    /// Parses a PKCS#8 PrivateKeyInfo (DER), as `openssl genpkey -algorithm ed25519 -outform DER` writes it.
    public init(derRepresentation der: [UInt8]) throws(CryptoError) {
        guard !der.isEmpty else { throw .malformedKey("Ed25519 private key DER: empty") }
        var seed = [UInt8](repeating: 0, count: 32)
        let status = der.withUnsafeBufferPointer { d in
            seed.withUnsafeMutableBufferPointer { palisade_ed25519_private_from_der(d.baseAddress, d.count, $0.baseAddress) }
        }
        try check(status, "Ed25519 private key DER")
        try self.init(seed: seed)
    }

    public var derRepresentation: [UInt8] {
        var out = [UInt8](repeating: 0, count: 128)
        var written = 0
        let status = seed.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { palisade_ed25519_private_to_der(s.baseAddress, $0.baseAddress, $0.count, &written) }
        }
        precondition(status == 0, "encoding a valid private key cannot fail")
        return Array(out.prefix(written))
    }

    /// A 64-byte Ed25519 signature of `message` (deterministic, RFC 8032).
    public func signature(for message: [UInt8]) throws(CryptoError) -> [UInt8] {
        var sig = [UInt8](repeating: 0, count: 64)
        let status = seed.withUnsafeBufferPointer { s in
            message.withUnsafeBufferPointer { m in
                sig.withUnsafeMutableBufferPointer { palisade_ed25519_sign(s.baseAddress, m.baseAddress, m.count, $0.baseAddress) }
            }
        }
        try check(status, "Ed25519 signing")
        return sig
    }
}

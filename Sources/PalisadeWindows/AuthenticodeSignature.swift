import SwiftASN1
import X509

/// The Authenticode signature embedded in a PE file's attribute certificate table: the PKCS#7
/// SignedData, the digest it signs (SpcIndirectDataContent), and the signer's certificate.
///
/// The certificate table is a list of WIN_CERTIFICATE entries (`dwLength`, `wRevision`,
/// `wCertificateType`, then the blob; each entry 8-byte aligned). The first entry of type 2
/// (WIN_CERT_TYPE_PKCS_SIGNED_DATA) is the primary signature, the one AppLocker reads. Its blob
/// is a ContentInfo (1.2.840.113549.1.7.2) holding SignedData; the encapsulated content is
/// SpcIndirectDataContent (1.3.6.1.4.1.311.2.1.4), whose DigestInfo carries the image hash.
///
/// ASN.1 is parsed with apple/swift-asn1 and certificates with apple/swift-certificates. The
/// signature's cryptographic validity and the chain's trust are NOT checked here (Windows checks
/// the chain against its own roots; AppLocker ignores files whose chain it does not trust).
public struct AuthenticodeSignature: Hashable, Sendable {
    /// The digest algorithm of the signed image hash (an OID, e.g. 2.16.840.1.101.3.4.2.1 = SHA-256).
    public var digestAlgorithm: String
    /// The image hash the signature covers.
    public var signedDigest: [UInt8]
    /// Every certificate in the SignedData.
    public var certificates: [Certificate]
    /// The certificate of the first SignerInfo, matched by issuer and serial number (or subject
    /// key identifier).
    public var signer: Certificate

    public static let sha256OID = "2.16.840.1.101.3.4.2.1"
    public static let sha1OID = "1.3.14.3.2.26"
    static let signedDataOID: ASN1ObjectIdentifier = [1, 2, 840, 113_549, 1, 7, 2]
    static let spcIndirectDataOID: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 311, 2, 1, 4]
    /// Signatures are a few KB to a few hundred KB; larger tables are refused as implausible.
    static let maxCertificateTableSize: Int64 = 16 << 20

    /// The primary signature of `image`, nil when the file is unsigned.
    public static func read(_ image: PEImage, source: some ByteSource) throws(WindowsFileError) -> AuthenticodeSignature? {
        guard let table = image.certificateTable else { return nil }
        guard Int64(table.count) <= maxCertificateTableSize else {
            throw .malformedPE("the certificate table (\(table.count) bytes) is implausibly large")
        }
        let bytes = LittleEndianBytes(try source.read(at: table.lowerBound, count: table.count))
        var cursor = 0
        while cursor + 8 <= bytes.count {
            let length = Int(bytes.u32(cursor)!)
            let type = bytes.u16(cursor + 6)!
            guard length >= 8, length <= bytes.count - cursor else {
                throw .malformedPE("a WIN_CERTIFICATE entry's length (\(length)) does not fit the certificate table")
            }
            if type == 2 {
                return try parse(Array(bytes.slice(cursor + 8, length - 8)!))
            }
            cursor += (length + 7) & ~7
        }
        throw .malformedPE("the certificate table holds no PKCS#7 signature (WIN_CERT_TYPE_PKCS_SIGNED_DATA)")
    }

    /// Parses a PKCS#7 ContentInfo holding Authenticode SignedData. Trailing zero padding after
    /// the DER element (signers pad the entry to 8 bytes) is ignored.
    public static func parse(_ blob: [UInt8]) throws(WindowsFileError) -> AuthenticodeSignature {
        guard let length = derElementLength(blob) else {
            throw .malformedPE("the signature is not a DER-encoded ASN.1 element")
        }
        guard blob[length...].allSatisfy({ $0 == 0 }) else {
            throw .malformedPE("the signature is followed by data other than padding")
        }
        do {
            let root = try DER.parse(blob[..<length])
            return try DER.sequence(root, identifier: .sequence) { nodes in
                let contentType = try ASN1ObjectIdentifier(derEncoded: &nodes)
                guard contentType == signedDataOID else { throw SignatureFormatError("ContentInfo is not SignedData") }
                return try DER.explicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) { node in
                    try parseSignedData(node)
                }
            }
        } catch let error as SignatureFormatError {
            throw .malformedPE("bad Authenticode signature: \(error.reason)")
        } catch {
            throw .malformedPE("bad Authenticode signature: \(error)")
        }
    }

    struct SignatureFormatError: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    static func parseSignedData(_ node: ASN1Node) throws -> AuthenticodeSignature {
        try DER.sequence(node, identifier: .sequence) { nodes in
            _ = try Int(derEncoded: &nodes)                          // version
            guard nodes.next() != nil else { throw SignatureFormatError("no digestAlgorithms") }
            // encapContentInfo: SpcIndirectDataContent, [0] EXPLICIT (PKCS#7 v1.5: not wrapped in an OCTET STRING).
            guard let encapsulated = nodes.next() else { throw SignatureFormatError("no content") }
            let (algorithm, digest) = try DER.sequence(encapsulated, identifier: .sequence) { inner in
                let type = try ASN1ObjectIdentifier(derEncoded: &inner)
                guard type == spcIndirectDataOID else {
                    throw SignatureFormatError("content is \(type), not SpcIndirectDataContent")
                }
                return try DER.explicitlyTagged(&inner, tagNumber: 0, tagClass: .contextSpecific) { content in
                    try parseIndirectData(content)
                }
            }
            var certificates: [Certificate] = []
            var signerID: SignerID?
            while let next = nodes.next() {
                if next.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
                    guard case .constructed(let children) = next.content else {
                        throw SignatureFormatError("certificates are not a SET")
                    }
                    for child in children where child.identifier == .sequence {
                        certificates.append(try Certificate(derEncoded: child))
                    }
                } else if next.identifier == .set {
                    // signerInfos: the first one is the primary signer.
                    guard case .constructed(let infos) = next.content, let first = infos.first(where: { _ in true }) else {
                        throw SignatureFormatError("no SignerInfo")
                    }
                    signerID = try parseSignerID(first)
                }
                // [1] crls: ignored.
            }
            guard let signerID else { throw SignatureFormatError("no signerInfos") }
            guard let signer = certificates.first(where: { signerID.matches($0) }) else {
                throw SignatureFormatError("the signer's certificate is not in the signature")
            }
            return AuthenticodeSignature(digestAlgorithm: algorithm, signedDigest: digest, certificates: certificates,
                                         signer: signer)
        }
    }

    /// SpcIndirectDataContent ::= SEQUENCE { data SpcAttributeTypeAndOptionalValue, messageDigest DigestInfo }
    static func parseIndirectData(_ node: ASN1Node) throws -> (String, [UInt8]) {
        try DER.sequence(node, identifier: .sequence) { nodes in
            guard nodes.next() != nil else { throw SignatureFormatError("no SpcAttributeTypeAndOptionalValue") }
            guard let digestInfo = nodes.next() else { throw SignatureFormatError("no DigestInfo") }
            return try DER.sequence(digestInfo, identifier: .sequence) { inner in
                guard let algorithmNode = inner.next() else { throw SignatureFormatError("no digest algorithm") }
                let algorithm = try DER.sequence(algorithmNode, identifier: .sequence) { alg in
                    let oid = try ASN1ObjectIdentifier(derEncoded: &alg)
                    while alg.next() != nil {}                     // parameters (NULL or absent)
                    return oid
                }
                let digest = try ASN1OctetString(derEncoded: &inner)
                return (algorithm.description, Array(digest.bytes))
            }
        }
    }

    enum SignerID {
        case issuerAndSerial(DistinguishedName, Certificate.SerialNumber)
        case subjectKeyIdentifier([UInt8])

        func matches(_ certificate: Certificate) -> Bool {
            switch self {
            case .issuerAndSerial(let issuer, let serial):
                return certificate.issuer == issuer && certificate.serialNumber == serial
            case .subjectKeyIdentifier(let identifier):
                guard let ski = try? certificate.extensions.subjectKeyIdentifier else { return false }
                return Array(ski.keyIdentifier) == identifier
            }
        }
    }

    /// SignerInfo ::= SEQUENCE { version, sid (IssuerAndSerialNumber | [0] SubjectKeyIdentifier), … }
    static func parseSignerID(_ node: ASN1Node) throws -> SignerID {
        guard node.identifier == .sequence, case .constructed(let children) = node.content else {
            throw SignatureFormatError("SignerInfo is not a SEQUENCE")
        }
        var nodes = children.makeIterator()
        _ = try Int(derEncoded: &nodes)
        guard let sid = nodes.next() else { throw SignatureFormatError("SignerInfo has no signer identifier") }
        if sid.identifier == .sequence {
            return try DER.sequence(sid, identifier: .sequence) { inner in
                guard let issuerNode = inner.next() else { throw SignatureFormatError("no issuer") }
                let issuer = try DistinguishedName(derEncoded: issuerNode)
                let serial = try ArraySlice<UInt8>(derEncoded: &inner)
                return .issuerAndSerial(issuer, Certificate.SerialNumber(bytes: serial))
            }
        }
        if sid.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific),
           case .primitive(let bytes) = sid.content {
            return .subjectKeyIdentifier(Array(bytes))
        }
        throw SignatureFormatError("unknown signer identifier")
    }

    /// The length of the DER element at the start of `bytes` (header and content), when it fits.
    /// Only the outer length is read here, to strip the entry's zero padding; the element itself
    /// is parsed by swift-asn1.
    static func derElementLength(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2, bytes[0] == 0x30 else { return nil }
        let first = Int(bytes[1])
        if first < 0x80 { return 2 + first <= bytes.count ? 2 + first : nil }
        let octets = first & 0x7F
        guard octets >= 1, octets <= 4, bytes.count >= 2 + octets else { return nil }   // 0x80: indefinite (BER)
        var length = 0
        for i in 0..<octets { length = length << 8 | Int(bytes[2 + i]) }
        let total = 2 + octets + length
        return total <= bytes.count ? total : nil
    }

    /// True when the signed digest is SHA-256 and equals `imageHash`; nil when the signature uses
    /// another algorithm (not checked).
    public func digestMatches(_ imageHash: [UInt8]) -> Bool? {
        guard digestAlgorithm == Self.sha256OID else { return nil }
        return signedDigest == imageHash
    }
}

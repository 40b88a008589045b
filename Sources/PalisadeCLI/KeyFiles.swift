import Foundation
import PalisadeCrypto

/// Ed25519 keys on disk: PEM (`PRIVATE KEY` = PKCS#8, `PUBLIC KEY` = SubjectPublicKeyInfo) or raw DER,
/// interchangeable with `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout`.
enum KeyFiles {
    struct KeyFileError: Error, CustomStringConvertible {
        var description: String
    }

    static func readPublicKey(_ path: String) throws -> Ed25519PublicKey {
        try Ed25519PublicKey(derRepresentation: try der(path, label: "PUBLIC KEY"))
    }

    static func readPrivateKey(_ path: String) throws -> Ed25519PrivateKey {
        try Ed25519PrivateKey(derRepresentation: try der(path, label: "PRIVATE KEY"))
    }

    static func privateKey(pem: String) throws -> Ed25519PrivateKey {
        try Ed25519PrivateKey(derRepresentation: try decodePEM(Array(pem.utf8), label: "PRIVATE KEY"))
    }

    static func der(_ path: String, label: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw KeyFileError(description: "cannot read \(path)") }
        let bytes = Array(data)
        if bytes.starts(with: Array("-----BEGIN".utf8)) { return try decodePEM(bytes, label: label) }
        return bytes
    }

    static func decodePEM(_ bytes: [UInt8], label: String) throws -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        let begin = "-----BEGIN \(label)-----", end = "-----END \(label)-----"
        guard let start = text.range(of: begin), let stop = text.range(of: end, range: start.upperBound..<text.endIndex) else {
            throw KeyFileError(description: "no '\(begin)' block")
        }
        let body = text[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        guard let der = Data(base64Encoded: String(body)) else { throw KeyFileError(description: "PEM body is not base64") }
        return Array(der)
    }

    static func encodePEM(_ der: [UInt8], label: String) -> String {
        let base64 = Data(der).base64EncodedString()
        var lines: [String] = []
        var index = base64.startIndex
        while index < base64.endIndex {
            let next = base64.index(index, offsetBy: 64, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[index..<next]))
            index = next
        }
        return "-----BEGIN \(label)-----\n" + lines.joined(separator: "\n") + "\n-----END \(label)-----\n"
    }
}

import CSystem
import Foundation
import PalisadeCrypto
import PalisadeModel

/// A deterministic `.tar.gz` of a bundle: ustar entries in sorted order, mode 0644, owner 0:0,
/// modification time 0, gzip without name or time. Same bundle → same bytes.
public enum BundleArchive {
    public struct ArchiveError: Error, CustomStringConvertible {
        public var description: String
    }

    /// `<customer>-<version>.tar.gz`, where the version is the first 16 hex digits of the
    /// archive's own SHA-256: content-addressed, so one name always means the same bytes. A changed
    /// policy gets a new name, and so does the same policy unsigned or signed by another key (its
    /// manifest.sig is inside), so no archive takes the name, or sits beside the `.sig`, of another.
    public static func fileName(for bundle: BundleContents, archive: [UInt8]) -> String {
        "\(bundle.customerID)-\(SHA256.hash(archive).hex.prefix(16)).tar.gz"
    }

    public static func make(_ bundle: BundleContents) throws -> [UInt8] {
        var tar: [UInt8] = []
        var directories = Set<String>()
        for path in bundle.files.keys.sorted() {
            // Parent directories first, once each, so extraction creates them with sane modes.
            var parent = ""
            for component in ([bundle.customerID] + path.split(separator: "/").dropLast().map(String.init)) {
                parent += component + "/"
                if directories.insert(parent).inserted { try appendHeader(&tar, name: parent, size: 0, directory: true) }
            }
            let bytes = bundle.files[path]!
            try appendHeader(&tar, name: bundle.customerID + "/" + path, size: bytes.count, directory: false)
            tar += bytes
            tar += [UInt8](repeating: 0, count: (512 - bytes.count % 512) % 512)
        }
        tar += [UInt8](repeating: 0, count: 1024)  // end of archive
        return try gzip(tar)
    }

    static func appendHeader(_ tar: inout [UInt8], name: String, size: Int, directory: Bool) throws {
        var header = [UInt8](repeating: 0, count: 512)
        var nameBytes = Array(name.utf8)
        var prefix: [UInt8] = []
        if nameBytes.count > 100 {
            // ustar: split at a '/' so that name ≤ 100 and prefix ≤ 155.
            guard let split = nameBytes.indices.last(where: { nameBytes[$0] == 0x2F && nameBytes.count - $0 - 1 <= 100 && $0 <= 155 }) else {
                throw ArchiveError(description: "path too long for a tar archive: \(name)")
            }
            prefix = Array(nameBytes[..<split])
            nameBytes = Array(nameBytes[(split + 1)...])
        }
        func put(_ bytes: [UInt8], at offset: Int) { for (i, b) in bytes.enumerated() { header[offset + i] = b } }
        func octal(_ value: Int, width: Int) -> [UInt8] {
            let digits = String(value, radix: 8)
            return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
        }
        put(nameBytes, at: 0)
        put(octal(directory ? 0o755 : 0o644, width: 8), at: 100)
        put(octal(0, width: 8), at: 108)  // uid
        put(octal(0, width: 8), at: 116)  // gid
        put(octal(size, width: 12), at: 124)
        put(octal(0, width: 12), at: 136)  // mtime
        put(Array("        ".utf8), at: 148)  // checksum placeholder
        header[156] = directory ? UInt8(ascii: "5") : UInt8(ascii: "0")
        put(Array("ustar\u{0}00".utf8), at: 257)
        put(prefix, at: 345)
        let checksum = header.reduce(0) { $0 + Int($1) }
        put(Array((String(repeating: "0", count: 6 - String(checksum, radix: 8).count) + String(checksum, radix: 8)).utf8) + [0, 0x20], at: 148)
        tar += header
    }

    static func gzip(_ data: [UInt8]) throws -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>? = nil
        var length = 0
        let status = data.withUnsafeBufferPointer { palisade_gzip($0.baseAddress, $0.count, &out, &length) }
        guard status == 0, let out else { throw ArchiveError(description: "gzip failed") }
        defer { free(out) }
        return Array(UnsafeBufferPointer(start: out, count: length))
    }
}

/// Detached Ed25519 signatures over a bundle's manifest (which lists every file's SHA-256).
public enum BundleSigner {
    public static func sign(_ bundle: BundleContents, with key: Ed25519PrivateKey) throws -> BundleContents {
        var signed = bundle
        guard let manifest = bundle.files[BundleManifest.fileName] else {
            throw BundleArchive.ArchiveError(description: "bundle \(bundle.customerID) has no manifest")
        }
        signed.files[BundleManifest.signatureFileName] = try key.signature(for: manifest)
        return signed
    }
}

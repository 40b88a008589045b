import Foundation
import PalisadeCrypto
import PalisadeModel

/// A bundle read from disk and checked against its own manifest (and signature, when a trusted
/// key is given). Everything `verify` knows about the policy comes from here: the endpoint binary
/// carries no policies.
public struct LoadedBundle: Sendable {
    public var directory: String
    public var manifest: BundleManifest
    /// The exact bytes of manifest.json (what the signature covers).
    public var manifestBytes: [UInt8]
    /// Every file the manifest lists, by bundle-relative path.
    public var files: [String: [UInt8]]
    /// True when manifest.sig verified against a trusted key.
    public var authenticated: Bool

    public enum LoadError: Error, CustomStringConvertible, Equatable {
        case unreadable(String)
        case malformedManifest(String)
        case unsupportedVersion(Int)
        case fileMismatch([String])
        case signatureMissing
        case signatureInvalid

        public var description: String {
            switch self {
            case .unreadable(let why): return "cannot read the bundle: \(why)"
            case .malformedManifest(let why): return "manifest.json is not a Palisade manifest: \(why)"
            case .unsupportedVersion(let v): return "manifest format \(v) is newer than this palisade understands (\(BundleManifest.currentFormat))"
            case .fileMismatch(let problems): return "the bundle's files do not match its manifest: " + problems.joined(separator: "; ")
            case .signatureMissing: return "manifest.sig is missing: the bundle is not signed"
            case .signatureInvalid: return "manifest.sig does not verify with the trusted key: the bundle was altered or signed by another key"
            }
        }
    }

    /// Reads and checks a bundle. With `trustedKey`, a missing or invalid signature is an error;
    /// any file added, removed or changed relative to the manifest is always an error.
    public static func load(_ directory: String, trustedKey: Ed25519PublicKey? = nil) throws(LoadError) -> LoadedBundle {
        try Authenticated(directory, trustedKey: trustedKey).load()
    }

    /// The first, quick part of ``load(_:trustedKey:)``: the manifest's bytes read and, with a
    /// trusted key, its signature checked. ``load()`` does the rest (reading the manifest and
    /// checking the bundle's files against it), which can take a while for a big manifest.
    public struct Authenticated: Sendable {
        public let directory: String
        let manifestBytes: [UInt8]
        let authenticated: Bool

        public init(_ directory: String, trustedKey: Ed25519PublicKey? = nil) throws(LoadError) {
            let manifestPath = directory + "/" + BundleManifest.fileName
            guard let manifestData = FileManager.default.contents(atPath: manifestPath) else {
                throw .unreadable("\(manifestPath) cannot be read")
            }
            let manifestBytes = Array(manifestData)
            var authenticated = false
            if let trustedKey {
                guard let signature = FileManager.default.contents(atPath: directory + "/" + BundleManifest.signatureFileName) else {
                    throw .signatureMissing
                }
                guard trustedKey.isValidSignature(Array(signature), for: manifestBytes) else { throw .signatureInvalid }
                authenticated = true
            }
            self.directory = directory
            self.manifestBytes = manifestBytes
            self.authenticated = authenticated
        }

        public func load() throws(LoadError) -> LoadedBundle {
            try LoadedBundle.load(directory, manifestBytes: manifestBytes, authenticated: authenticated)
        }
    }

    private static func load(_ directory: String, manifestBytes: [UInt8], authenticated: Bool) throws(LoadError) -> LoadedBundle {
        let manifest: BundleManifest
        switch ManifestReader.decode(manifestBytes) {
        case .success(let read):
            manifest = read
        case .failure:
            // Not the form the fast reader handles: JSONDecoder decides, and reports its error.
            do {
                manifest = try JSONDecoder().decode(BundleManifest.self, from: Data(manifestBytes))
            } catch {
                throw .malformedManifest("\(error)")
            }
        }
        guard manifest.manifestVersion <= BundleManifest.currentFormat else {
            throw .unsupportedVersion(manifest.manifestVersion)
        }

        // Every listed file present and identical; nothing unlisted besides manifest and signature.
        var problems: [String] = []
        var files: [String: [UInt8]] = [:]
        for (path, record) in manifest.files.sorted(by: { $0.key < $1.key }) {
            guard isSafeRelativePath(path) else {
                problems.append("\(path): not a plain relative path")
                continue
            }
            guard let data = readRegularFile(directory + "/" + path) else {
                problems.append("\(path): missing")
                continue
            }
            let bytes = Array(data)
            if Int64(bytes.count) != record.size || SHA256.hash(bytes).hex != record.sha256 {
                problems.append("\(path): content differs from the manifest")
                continue
            }
            files[path] = bytes
        }
        let listed = Set(manifest.files.keys.map(ExactString.init))
        for path in listFiles(directory) where !listed.contains(ExactString(path))
            && path != BundleManifest.fileName && path != BundleManifest.signatureFileName {
            problems.append("\(path): not listed in the manifest")
        }
        if !problems.isEmpty { throw .fileMismatch(problems) }
        return LoadedBundle(directory: directory, manifest: manifest, manifestBytes: manifestBytes, files: files,
                            authenticated: authenticated)
    }

    /// A manifest path must stay inside the bundle. Checked on bytes, as the kernel splits a path:
    /// split into characters, `"../\u{301}x"` has no `/` at all (`/` and the combining accent
    /// make one character), yet the kernel reads it as `..` and `\u{301}x`.
    static func isSafeRelativePath(_ path: String) -> Bool {
        let bytes = Array(path.utf8)
        return !bytes.isEmpty && bytes.first != UInt8(ascii: "/") && !bytes.contains { $0 < 0x20 }
            && !bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).contains {
                $0.isEmpty || $0.elementsEqual([UInt8(ascii: ".")]) || $0.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")])
            }
    }

    static func readRegularFile(_ path: String) -> Data? {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return FileManager.default.contents(atPath: path)
    }

    /// Every non-directory entry under `root`, relative, symlinks not followed.
    static func listFiles(_ root: String) -> [String] {
        var out: [String] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let full = relative.isEmpty ? root : root + "/" + relative
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: full) else { continue }
            for name in names {
                let child = relative.isEmpty ? name : relative + "/" + name
                var info = stat()
                guard lstat(root + "/" + child, &info) == 0 else { continue }
                if info.st_mode & S_IFMT == S_IFDIR { pending.append(child) } else { out.append(child) }
            }
        }
        return out.sorted()
    }
}

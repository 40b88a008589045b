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
            // Both must be regular files of the bundle itself: a symbolic link could lead anywhere.
            let manifestPath = directory + "/" + BundleManifest.fileName
            let manifestBytes: [UInt8]
            switch readRegularFile(manifestPath) {
            case .success(let bytes): manifestBytes = bytes
            case .failure(let problem): throw .unreadable("\(manifestPath): \(problem)")
            }
            var authenticated = false
            if let trustedKey {
                let signaturePath = directory + "/" + BundleManifest.signatureFileName
                let signature: [UInt8]
                switch readRegularFile(signaturePath) {
                case .success(let bytes): signature = bytes
                case .failure(.notFound): throw .signatureMissing
                case .failure(let problem): throw .unreadable("\(signaturePath): \(problem)")
                }
                guard trustedKey.isValidSignature(signature, for: manifestBytes) else { throw .signatureInvalid }
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
            let bytes: [UInt8]
            switch readRegularFile(directory + "/" + path) {
            case .success(let read): bytes = read
            case .failure(.notFound):
                problems.append("\(path): missing")
                continue
            case .failure(let problem):
                problems.append("\(path): \(problem)")
                continue
            }
            if Int64(bytes.count) != record.size || SHA256.hash(bytes).hex != record.sha256 {
                problems.append("\(path): content differs from the manifest")
                continue
            }
            files[path] = bytes
        }
        // Listed by bytes: a name that is not UTF-8 can never be in the manifest, and must not be
        // skipped as Foundation's directory listing skips it.
        var expected = Set(manifest.files.keys.map { Array($0.utf8) })
        expected.insert(Array(BundleManifest.fileName.utf8))
        expected.insert(Array(BundleManifest.signatureFileName.utf8))
        let (found, unlistable) = TreeWalker().entries(under: RawPath(directory))
        for path in found where !expected.contains(path) {
            problems.append("\(displayName(path)): not listed in the manifest")
        }
        for (path, problem) in unlistable {
            problems.append("\(displayName(path)): cannot be listed: \(problem)")
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

    /// The bytes of a regular file, refusing a symbolic link at `path` (it could lead out of the
    /// bundle) and anything but a regular file; read from the descriptor that was checked.
    static func readRegularFile(_ path: String) -> Result<[UInt8], FileProblem> {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return .failure(errno == ELOOP ? .symlink : .from(errno: errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(.from(errno: errno)) }
        switch FileType(mode: info.st_mode) {
        case .regular: break
        case .directory: return .failure(.isDirectory)
        case let type: return .failure(.notRegularFile(type))
        }
        // One byte more than the size, so the read that finds the end needs no bigger buffer.
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size) + 1)
        var count = 0
        while true {
            if count == bytes.count { bytes += [UInt8](repeating: 0, count: max(4096, bytes.count)) }
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(.from(errno: errno))
            }
            if n == 0 { break }
            count += n
        }
        bytes.removeSubrange(count...)
        return .success(bytes)
    }


    /// A bundle-relative name for a message, on one line: control characters, and the bytes of a
    /// name that is not UTF-8, written `\xHH`.
    static func displayName(_ bytes: [UInt8]) -> String {
        RawPath(bytes: bytes).displayText.unicodeScalars.map {
            $0.value < 0x20 || $0.value == 0x7F ? RawPath.escaped(UInt8($0.value)) : String($0)
        }.joined()
    }
}

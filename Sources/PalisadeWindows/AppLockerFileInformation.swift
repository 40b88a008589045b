import PalisadeCrypto
import PalisadeModel
import X509

/// What `Get-AppLockerFileInformation` reports for a file, computed on Linux: AppLocker's hash
/// (the Authenticode image hash for PE files, the flat SHA-256 for scripts and other files) and,
/// for signed PE files, the publisher condition fields.
public struct AppLockerFileInformation: Hashable, Sendable {
    /// How AppLocker treats a file.
    public enum Kind: String, Hashable, Sendable, Codable {
        /// A PE image (`MZ`): Authenticode hash.
        case pe
        /// `.ps1 .bat .cmd .vbs .js`: flat SHA-256.
        case script
        /// Windows Installer (`.msi .msp .mst`, or an OLE compound file): not supported yet.
        case msi
        /// Anything else: flat SHA-256 (AppLocker applies no rule collection to it).
        case other
    }

    public enum HashKind: String, Hashable, Sendable, Codable {
        case authenticode, flat
    }

    /// The AppLocker publisher condition of a signed file.
    public struct Publisher: Hashable, Sendable {
        /// The signer's subject in AppLocker's form (``AppLockerPublisherName``).
        public var publisherName: String
        /// VERSIONINFO ProductName, upper-cased; empty when absent.
        public var productName: String
        /// VERSIONINFO OriginalFilename, upper-cased (not the name on disk); empty when absent.
        public var binaryName: String
        /// The 4-part file version from VS_FIXEDFILEINFO; nil when the file has no version resource.
        public var binaryVersion: String?

        /// Get-AppLockerFileInformation's one-line form: `PUBLISHER\PRODUCT\BINARY,VERSION`.
        public var display: String { "\(publisherName)\\\(productName)\\\(binaryName),\(binaryVersion ?? "0.0.0.0")" }
    }

    /// The bare file name (AppLocker's `SourceFileName`).
    public var fileName: String
    /// The size of the whole file on disk (AppLocker's `SourceFileLength`).
    public var size: Int64
    public var kind: Kind
    /// AppLocker's hash; nil when it cannot be computed with evidence (MSI): see ``hashProblem``.
    public var hash: SHA256Digest?
    public var hashKind: HashKind?
    public var hashProblem: WindowsFileError?
    public var peFormat: PEImage.Format?
    public var isDLL: Bool?
    /// VERSIONINFO, when the PE file has one.
    public var versionInfo: VersionInfo?
    /// The publisher, when the PE file carries an Authenticode signature.
    public var publisher: Publisher?
    /// Why a signature present in the file could not be read (the hash is still valid: it never
    /// covers the certificate table).
    public var signatureProblem: String?
    /// Whether the signature's signed digest equals the computed image hash (nil: unsigned, or
    /// not SHA-256). A mismatch means the file was changed after signing.
    public var signatureDigestMatches: Bool?

    /// AppLocker's `Data` form: `0x` + 64 upper-case hex digits.
    public var appLockerHash: String? { hash.map { AppLockerHashText.data($0) } }

    public static let scriptExtensions = AppLockerCollection.script.fileExtensions
    public static let installerExtensions = AppLockerCollection.msi.fileExtensions
    static let oleMagic: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]

    /// What AppLocker would make of a file called `fileName` whose first bytes are `head`.
    public static func kind(fileName: String, head: [UInt8]) -> Kind {
        if head.starts(with: [0x4D, 0x5A]) { return .pe }
        let ext = fileExtension(fileName)
        if head.starts(with: oleMagic) || installerExtensions.contains(ext) { return .msi }
        if scriptExtensions.contains(ext) { return .script }
        return .other
    }

    static func fileExtension(_ name: String) -> String {
        guard let dot = name.lastIndex(of: ".") else { return "" }
        return String(name[name.index(after: dot)...]).lowercased()
    }

    /// The message for MSI files: AppLocker's hash for them is not established on Linux.
    public static let msiNotSupported = WindowsFileError.unsupported(
        "AppLocker's hash of Windows Installer files is not supported yet (whether AppLocker uses the MSI SIP digest is not established); use a publisher rule or a path rule")

    /// Reads a file from disk.
    public static func read(path: RawPath) throws(WindowsFileError) -> AppLockerFileInformation {
        let source = try FileByteSource(path: path)
        let name = String(decoding: path.lastComponent, as: UTF8.self)
        let info = try read(source, fileName: name)
        try source.verifyUnchanged()
        return info
    }

    /// Reads from any byte source. Throws for a malformed PE file (no hash is given for it).
    public static func read(_ source: some ByteSource, fileName: String) throws(WindowsFileError) -> AppLockerFileInformation {
        let head = try source.read(at: 0, count: Int(min(source.size, 8)))
        let kind = kind(fileName: fileName, head: head)
        var info = AppLockerFileInformation(fileName: fileName, size: source.size, kind: kind)
        switch kind {
        case .msi:
            info.hashProblem = msiNotSupported
        case .script, .other:
            var hasher = SHA256()
            try source.hash(0..<source.size, into: &hasher)
            info.hash = hasher.finalize()
            info.hashKind = .flat
        case .pe:
            let image = try PEImage.parse(source)
            info.hash = try AuthenticodeHash.compute(image, source: source)
            info.hashKind = .authenticode
            info.peFormat = image.format
            info.isDLL = image.isDLL
            info.versionInfo = VersionInfo.read(image, source: source)
            do {
                if let signature = try AuthenticodeSignature.read(image, source: source) {
                    info.publisher = Publisher(
                        publisherName: AppLockerPublisherName.from(signature.signer.subject),
                        productName: AppLockerText.upper(info.versionInfo?.productName ?? ""),
                        binaryName: AppLockerText.upper(info.versionInfo?.originalFilename ?? ""),
                        binaryVersion: info.versionInfo?.fileVersion)
                    info.signatureDigestMatches = signature.digestMatches(info.hash!.bytes)
                }
            } catch {
                info.signatureProblem = error.description
            }
        }
        return info
    }
}

/// AppLocker's text forms of a hash.
public enum AppLockerHashText {
    /// `Data="0x…"`: `0x` and 64 upper-case hex digits, as Windows and its tools write it.
    public static func data(_ digest: SHA256Digest) -> String { "0x" + digest.hex.uppercased() }

    /// `Get-AppLockerFileInformation`'s `Hash` line: `SHA256 0x…`.
    public static func display(_ digest: SHA256Digest) -> String { "SHA256 " + data(digest) }
}

/// `manifest.json`: what a bundle contains and why. `verify` works from it alone, and the
/// signature covers its exact bytes, so it lists the SHA-256 and size of every other file.
public struct BundleManifest: Codable, Hashable, Sendable {
    public static let currentFormat = 1
    public static let fileName = "manifest.json"
    public static let signatureFileName = "manifest.sig"

    /// Format of this file.
    public var manifestVersion: Int
    /// Version of the policy model the rules follow.
    public var modelVersion: Int
    public var customer: CustomerInfo
    public var rules: [ResolvedRule]
    /// Bundle-relative path → hash and size, for every file but the manifest and its signature.
    public var files: [String: FileRecord]

    public init(customer: CustomerInfo, rules: [ResolvedRule], files: [String: FileRecord]) {
        self.manifestVersion = Self.currentFormat
        self.modelVersion = PolicyModel.version
        self.customer = customer
        self.rules = rules
        self.files = files
    }

    public struct CustomerInfo: Codable, Hashable, Sendable {
        public var id: String
        public var displayName: String
        /// The effective mode of every backend that wrote files, and of the others.
        public var modes: [Backend: Mode]
        public var linuxConfinement: LinuxConfinement?

        public init(id: String, displayName: String, modes: [Backend: Mode], linuxConfinement: LinuxConfinement?) {
            self.id = id
            self.displayName = displayName
            self.modes = modes
            self.linuxConfinement = linuxConfinement
        }
    }

    public struct FileRecord: Codable, Hashable, Sendable {
        public var sha256: String
        public var size: Int64

        public init(sha256: String, size: Int64) {
            self.sha256 = sha256
            self.size = size
        }
    }
}

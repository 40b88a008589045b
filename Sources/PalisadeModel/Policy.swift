/// The versioned policy model between the authoring DSL and everything after it.
///
/// The DSL builds these values; the compiler, the backends and `verify` read them. It is plain
/// Codable data (JSON with sorted keys), so tools in other languages can read it too.
public enum PolicyModel {
    /// Bumped on any change that alters the meaning of existing fields.
    public static let version = 1
}

/// One customer's policy, as authored.
public struct CustomerPolicy: Codable, Hashable, Sendable {
    /// Used in file names: lower-case letters, digits and `-`, unique across the MSP.
    public var id: String
    public var displayName: String
    /// The default mode of every backend.
    public var mode: Mode
    /// Per-backend overrides of ``mode``.
    public var backendModes: [Backend: Mode]
    /// How confined sessions enter the AppArmor profile (nil: the backend's default).
    public var linuxConfinement: LinuxConfinement?
    public var rules: [PolicyRule]
    public var location: SourceLocation
    /// Whether AppLocker rule collections that allow something also get the standard default
    /// rules (Windows folder, Program Files, administrators), so Windows itself keeps running.
    /// nil: yes (the default); false: the policy brings its own equivalents.
    public var appLockerDefaultRules: Bool?

    public init(id: String, displayName: String, mode: Mode, backendModes: [Backend: Mode] = [:],
                linuxConfinement: LinuxConfinement? = nil, rules: [PolicyRule], location: SourceLocation,
                appLockerDefaultRules: Bool? = nil) {
        self.id = id
        self.displayName = displayName
        self.mode = mode
        self.backendModes = backendModes
        self.linuxConfinement = linuxConfinement
        self.rules = rules
        self.location = location
        self.appLockerDefaultRules = appLockerDefaultRules
    }

    /// The effective mode of one backend.
    public func mode(for backend: Backend) -> Mode { backendModes[backend] ?? mode }
}

/// How processes on a Linux host are put under the customer's AppArmor allowlist profile.
public struct LinuxConfinement: Codable, Hashable, Sendable {
    /// Login shells (resolved paths) that attach the profile when an unconfined process runs them.
    public var loginShells: [String]
    /// Also emit a pam_apparmor hat of this name (libpam-apparmor `order=user,group,default`).
    public var pamHat: Bool

    public init(loginShells: [String] = [], pamHat: Bool = false) {
        self.loginShells = loginShells
        self.pamHat = pamHat
    }
}

/// One allow or deny rule, as authored.
public struct PolicyRule: Codable, Hashable, Sendable {
    public var decision: Decision
    public var platform: Platform
    public var target: RuleTarget
    public var metadata: RuleMetadata
    /// Windows-only settings (AppLocker rule collection, user or group).
    public var windows: WindowsRuleOptions?
    /// The baseline this rule came from, when it came from one.
    public var baseline: String?
    public var location: SourceLocation

    public init(decision: Decision, platform: Platform, target: RuleTarget, metadata: RuleMetadata = .init(),
                windows: WindowsRuleOptions? = nil, baseline: String? = nil, location: SourceLocation) {
        self.decision = decision
        self.platform = platform
        self.target = target
        self.metadata = metadata
        self.windows = windows
        self.baseline = baseline
        self.location = location
    }
}

/// What a rule identifies.
public enum RuleTarget: Codable, Hashable, Sendable {
    /// A reference copy of the binary (repository path), installed at `endpointPath`; hashed at build time.
    case binary(reference: String, endpointPath: String)
    /// A literal SHA-256 as a vendor publishes it, optionally with the endpoint path.
    case sha256(hex: String, endpointPath: String?)
    /// Every executable in a reference tree (golden image, unpacked package) mapped onto `mountPoint`.
    case tree(reference: String, mountPoint: String)
    /// One endpoint path, no content identity (weaker: anything copied there matches).
    case path(String)
    /// Every file under an endpoint directory (weaker still).
    case directory(String)
    /// A Windows publisher (AppLocker publisher condition).
    case publisher(PublisherCondition)

    /// A short name for messages.
    public var kindName: String {
        switch self {
        case .binary: return "binary"
        case .sha256: return "sha256"
        case .tree: return "tree"
        case .path: return "path"
        case .directory: return "directory"
        case .publisher: return "publisher"
        }
    }
}

/// AppLocker's publisher condition: publisher, product, binary name and a version range.
/// `*` in product or binary name means any; nil versions mean unbounded.
public struct PublisherCondition: Codable, Hashable, Sendable {
    public var publisher: String
    public var product: String
    public var binaryName: String
    public var lowVersion: String?
    public var highVersion: String?
    /// A signed reference binary from which empty fields are filled at build time.
    public var reference: String?

    public init(publisher: String, product: String = "*", binaryName: String = "*",
                lowVersion: String? = nil, highVersion: String? = nil, reference: String? = nil) {
        self.publisher = publisher
        self.product = product
        self.binaryName = binaryName
        self.lowVersion = lowVersion
        self.highVersion = highVersion
        self.reference = reference
    }
}

/// AppLocker rule collections.
public enum AppLockerCollection: String, Codable, Hashable, Sendable, CaseIterable, Comparable {
    case exe = "Exe", msi = "Msi", script = "Script", dll = "Dll", appx = "Appx"

    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

public struct WindowsRuleOptions: Codable, Hashable, Sendable {
    /// nil: chosen from the file (exe, dll, script, msi).
    public var collection: AppLockerCollection?
    /// The user or group SID the rule applies to; nil means Everyone (S-1-1-0).
    public var userOrGroupSID: String?

    public init(collection: AppLockerCollection? = nil, userOrGroupSID: String? = nil) {
        self.collection = collection
        self.userOrGroupSID = userOrGroupSID
    }
}

/// Why a rule exists, who owns it, and until when.
public struct RuleMetadata: Codable, Hashable, Sendable {
    public var reason: String?
    public var owner: String?
    public var ticket: String?
    public var expires: CalendarDate?

    public init(reason: String? = nil, owner: String? = nil, ticket: String? = nil, expires: CalendarDate? = nil) {
        self.reason = reason
        self.owner = owner
        self.ticket = ticket
        self.expires = expires
    }
}

/// All customers, as the DSL hands them to the compiler.
public struct PolicyDocument: Codable, Hashable, Sendable {
    public var modelVersion: Int
    public var customers: [CustomerPolicy]

    public init(customers: [CustomerPolicy]) {
        self.modelVersion = PolicyModel.version
        self.customers = customers
    }
}

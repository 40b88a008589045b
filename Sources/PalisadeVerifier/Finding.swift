import PalisadeModel

/// One result of `verify`. The JSON form is a stable, documented schema (README, "verify").
public struct Finding: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Hashable, Sendable, CaseIterable, Comparable {
        /// As the bundle says.
        case ok
        /// An allowed file is not at its endpoint path.
        case missing
        /// An allowed file is there, with another size or hash.
        case modified
        /// A denied file is present: at its path, or by its hash anywhere scanned.
        case deniedPresent = "denied-present"
        /// An executable no allow rule covers (enforce mode would block it; or drift).
        case unlisted
        /// A backend's files are not installed.
        case notDeployed = "not-deployed"
        /// A backend's files or configuration are installed but differ from the bundle.
        case different
        /// Cannot tell (with the reason): unreadable, changed while read, no access to securityfs…
        case unknown

        public var isProblem: Bool { self != .ok }

        public static func < (a: Self, b: Self) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    public var kind: Kind
    /// What the finding is about: `file` (an allowed or denied file), `scan` (found by scanning),
    /// or a backend name for deployment checks.
    public var check: String
    /// The endpoint path (inside the root), when there is one.
    public var path: String?
    public var expected: String?
    public var actual: String?
    /// The policy line behind the rule (`policies/acme.swift:12`), when there is one.
    public var rule: String?
    public var message: String

    public init(_ kind: Kind, check: String, path: String? = nil, expected: String? = nil, actual: String? = nil,
                rule: SourceLocation? = nil, message: String) {
        self.kind = kind
        self.check = check
        self.path = path
        self.expected = expected
        self.actual = actual
        self.rule = rule?.description
        self.message = message
    }

    static func order(_ a: Finding, _ b: Finding) -> Bool {
        if a.kind != b.kind { return a.kind > b.kind }
        if a.check != b.check { return a.check < b.check }
        if (a.path ?? "") != (b.path ?? "") { return (a.path ?? "") < (b.path ?? "") }
        return a.message < b.message
    }
}

/// Everything `verify` found, and whether the host is compliant.
public struct VerifyReport: Codable, Hashable, Sendable {
    public static let schemaVersion = 1

    public var schemaVersion: Int
    public var customer: String
    public var bundle: String
    /// SHA-256 of the bundle's manifest.json, which names every file of the bundle by its hash: which
    /// bundle the host was checked against, so a fleet's reports show a host left on an older one.
    public var manifestSHA256: String
    /// False when no trusted key was given: the bundle's origin was not proven.
    public var authenticated: Bool
    public var root: String
    public var scanned: [String]
    /// Problems first (by kind), then `ok` results.
    public var findings: [Finding]
    /// Count per kind, every kind present (zero included).
    public var summary: [String: Int]
    public var compliant: Bool

    /// `passingNotListed`: `ok` results counted in the summary but not listed in `findings`
    /// (see ``Verifier/listsPassingChecks``).
    public init(customer: String, bundle: String, manifestSHA256: String, authenticated: Bool, root: String, scanned: [String], findings: [Finding],
                passingNotListed: Int = 0) {
        self.schemaVersion = Self.schemaVersion
        self.customer = customer
        self.bundle = bundle
        self.manifestSHA256 = manifestSHA256
        self.authenticated = authenticated
        self.root = root
        self.scanned = scanned
        self.findings = findings.sorted(by: Finding.order)
        var summary: [String: Int] = [:]
        for kind in Finding.Kind.allCases { summary[kind.rawValue] = 0 }
        for finding in findings { summary[finding.kind.rawValue, default: 0] += 1 }
        summary[Finding.Kind.ok.rawValue, default: 0] += passingNotListed
        self.summary = summary
        self.compliant = !findings.contains { $0.kind.isProblem }
    }
}

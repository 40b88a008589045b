/// A customer's policy after the resolver ran: every rule is concrete (hashes computed, trees
/// expanded), which is what emitters and `verify` consume. Emitters are pure functions of this.
public struct ResolvedCustomer: Codable, Hashable, Sendable {
    public var id: String
    public var displayName: String
    public var mode: Mode
    public var backendModes: [Backend: Mode]
    public var linuxConfinement: LinuxConfinement?
    /// Sorted by ``ResolvedRule/sortKey``: deterministic whatever order the policy was written in.
    public var rules: [ResolvedRule]
    public var location: SourceLocation
    /// See ``CustomerPolicy/appLockerDefaultRules``.
    public var appLockerDefaultRules: Bool?

    public init(id: String, displayName: String, mode: Mode, backendModes: [Backend: Mode],
                linuxConfinement: LinuxConfinement?, rules: [ResolvedRule], location: SourceLocation,
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

    public func mode(for backend: Backend) -> Mode { backendModes[backend] ?? mode }

    public func rules(for platform: Platform) -> [ResolvedRule] {
        // Most customers are one platform only: hand over the same storage (or nothing) instead
        // of a copy. Indices, not closures over elements: those copied every rule to look at it.
        var matching = 0
        for index in rules.indices where rules[index].platform == platform { matching += 1 }
        if matching == rules.count { return rules }
        var out: [ResolvedRule] = []
        out.reserveCapacity(matching)
        for index in rules.indices where rules[index].platform == platform { out.append(rules[index]) }
        return out
    }
}

/// How a rule matches on the endpoint.
public enum PathMatch: String, Codable, Hashable, Sendable {
    /// Exactly this file path.
    case file
    /// Any file under this directory (the path ends with the platform's separator).
    case directory
}

/// One concrete rule.
public struct ResolvedRule: Codable, Hashable, Sendable {
    public var decision: Decision
    public var platform: Platform
    /// Lower-case hex SHA-256 of the file's content, when known.
    public var sha256: String?
    /// Size in bytes, when known from a reference file.
    public var size: Int64?
    /// The endpoint path (a file, or a directory prefix when ``pathMatch`` is `.directory`).
    public var path: String?
    public var pathMatch: PathMatch?
    public var fileKind: FileKind?
    /// Windows data: the Authenticode hash, collection, SID, publisher.
    public var windows: ResolvedWindowsAttributes?
    public var provenance: Provenance

    @inlinable  // resolving makes one per rule: inlined, its arguments move into place without copies
    public init(decision: Decision, platform: Platform, sha256: String? = nil, size: Int64? = nil,
                path: String? = nil, pathMatch: PathMatch? = nil, fileKind: FileKind? = nil,
                windows: ResolvedWindowsAttributes? = nil, provenance: Provenance) {
        self.decision = decision
        self.platform = platform
        self.sha256 = sha256
        self.size = size
        self.path = path
        self.pathMatch = pathMatch
        self.fileKind = fileKind
        self.windows = windows
        self.provenance = provenance
    }

    /// Identity for duplicate detection: what the rule matches, not where it was written.
    public var matchKey: MatchKey {
        MatchKey(decision: decision, platform: platform, sha256: sha256.map(ExactString.init),
                 path: path.map(ExactString.init), pathMatch: pathMatch, windows: windows?.matchKey)
    }

    /// The match key as text, for ordering rules that differ only in it.
    var matchText: String {
        [decision.rawValue, platform.rawValue, sha256 ?? "", path ?? "", pathMatch?.rawValue ?? "",
         windows?.matchText ?? ""].joined(separator: "\u{1F}")
    }

    /// What a rule matches, for duplicate detection: strings compared by their bytes, so rules for
    /// `caf\u{E9}` and `cafe\u{301}` (two files) are not duplicates.
    public struct MatchKey: Hashable, Sendable {
        var decision: Decision
        var platform: Platform
        var sha256: ExactString?
        var path: ExactString?
        var pathMatch: PathMatch?
        var windows: ResolvedWindowsAttributes.MatchKey?
    }

    /// Stable order: platform, decision (deny first), path, hash, then source location.
    public static func sortKey(_ a: ResolvedRule, _ b: ResolvedRule) -> Bool {
        if a.platform != b.platform { return a.platform < b.platform }
        if a.decision != b.decision { return a.decision > b.decision }
        if let order = ByteOrder.precedes(a.path ?? "", b.path ?? "") { return order }
        if let order = ByteOrder.precedes(a.sha256 ?? "", b.sha256 ?? "") { return order }
        if a.matchKey != b.matchKey, let order = ByteOrder.precedes(a.matchText, b.matchText) { return order }
        return a.provenance.location < b.provenance.location
    }
}

extension Array where Element == ResolvedRule {
    /// In ``ResolvedRule/sortKey(_:_:)`` order. Sorts indices, so the large rule values move once.
    public func sortedByKey() -> [ResolvedRule] {
        // The first three parts of the key, taken out once: a rank, and where the path and the
        // hash are in one byte buffer. Comparing them is integer compares and memcmp, with no
        // String access and no copies of rules.
        var keys: [RuleSortKey] = []
        keys.reserveCapacity(count)
        var buffer = ByteBuffer(capacity: count * 100)
        for index in indices {  // by index: a closure over elements would copy each rule
            let path = buffer.count
            buffer.appendUTF8(self[index].path ?? "")
            let hash = buffer.count
            buffer.appendUTF8(self[index].sha256 ?? "")
            keys.append(RuleSortKey(rank: (self[index].platform == .linux ? 0 : 2) + (self[index].decision == .deny ? 0 : 1),
                            path: path, pathCount: hash - path, hash: hash, hashCount: buffer.count - hash))
        }
        return buffer.withUnsafeBytes { bytes in keys.withUnsafeBufferPointer { keys in
            func order(_ a: Int, _ aCount: Int, _ b: Int, _ bCount: Int) -> Bool? {
                ByteOrder.precedes(UnsafeBufferPointer(start: bytes.baseAddress! + a, count: aCount),
                                   UnsafeBufferPointer(start: bytes.baseAddress! + b, count: bCount))
            }
            func precedes(_ i: Int, _ j: Int) -> Bool {
                let (a, b) = (keys[i], keys[j])
                if a.rank != b.rank { return a.rank < b.rank }
                if let order = order(a.path, a.pathCount, b.path, b.pathCount) { return order }
                if let order = order(a.hash, a.hashCount, b.hash, b.hashCount) { return order }
                return ResolvedRule.sortKey(self[i], self[j])
            }
            if indices.dropFirst().allSatisfy({ !precedes($0, $0 - 1) }) { return self }
            return indices.sorted(by: precedes).map { self[$0] }
        } }
    }
}

/// The leading parts of a rule's sort key, for ``Swift/Array/sortedByKey()``: a rank (platform,
/// decision), and where the path and the hash are in a byte buffer.
private struct RuleSortKey {
    var rank: Int
    var path: Int, pathCount: Int
    var hash: Int, hashCount: Int
}

/// Where a resolved rule came from.
public struct Provenance: Codable, Hashable, Sendable {
    /// The policy line that produced it.
    public var location: SourceLocation
    /// The rule's form in the policy (binary, sha256, tree, path, directory, publisher).
    public var source: String
    /// The reference file it was hashed from (repository-relative), for binary and tree rules.
    public var reference: String?
    public var baseline: String?
    public var reason: String?
    public var owner: String?
    public var ticket: String?
    public var expires: CalendarDate?

    @inlinable
    public init(location: SourceLocation, source: String, reference: String? = nil, baseline: String? = nil,
                metadata: RuleMetadata = .init()) {
        self.location = location
        self.source = source
        self.reference = reference
        self.baseline = baseline
        self.reason = metadata.reason
        self.owner = metadata.owner
        self.ticket = metadata.ticket
        self.expires = metadata.expires
    }
}

public struct ResolvedWindowsAttributes: Codable, Hashable, Sendable {
    public var collection: AppLockerCollection
    public var userOrGroupSID: String
    /// AppLocker's hash of the file: the Authenticode image hash for PE files, flat SHA-256 otherwise.
    public var appLockerHash: String?
    public var publisher: PublisherCondition?

    public init(collection: AppLockerCollection, userOrGroupSID: String = "S-1-1-0", appLockerHash: String? = nil,
                publisher: PublisherCondition? = nil) {
        self.collection = collection
        self.userOrGroupSID = userOrGroupSID
        self.appLockerHash = appLockerHash
        self.publisher = publisher
    }

    /// What the Windows part of a rule matches, field by field (joining the fields would make
    /// publisher `O=A|B`, product `C` equal to publisher `O=A`, product `B|C`).
    struct MatchKey: Hashable, Sendable {
        var collection: AppLockerCollection
        var userOrGroupSID: ExactString
        var appLockerHash: ExactString?
        var publisher: [ExactString?]?
    }

    var matchKey: MatchKey {
        MatchKey(collection: collection, userOrGroupSID: ExactString(userOrGroupSID),
                 appLockerHash: appLockerHash.map(ExactString.init),
                 publisher: publisher.map {
                     [ExactString($0.publisher), ExactString($0.product), ExactString($0.binaryName),
                      $0.lowVersion.map(ExactString.init), $0.highVersion.map(ExactString.init)]
                 })
    }

    /// The match key as text, for ordering only.
    var matchText: String {
        [collection.rawValue, userOrGroupSID, appLockerHash ?? "", publisher.map {
            [$0.publisher, $0.product, $0.binaryName, $0.lowVersion ?? "", $0.highVersion ?? ""].joined(separator: "|")
        } ?? ""].joined(separator: "\u{1E}")
    }
}

import PalisadeModel

/// Allows an application. See ``RuleVerb`` for the ways to identify one.
public enum Allow: RuleVerb {
    public static var decision: Decision { .allow }
}

/// Denies an application. See ``RuleVerb`` for the ways to identify one.
public enum Deny: RuleVerb {
    public static var decision: Decision { .deny }
}

/// The ways to identify an application, shared by ``Allow`` and ``Deny``.
///
/// Every form takes an optional `reason`, `owner`, `ticket` and `expires` (`"YYYY-MM-DD"`):
/// an expired allow is a build error, one expiring within 14 days a warning.
public protocol RuleVerb {
    static var decision: Decision { get }
}

extension RuleVerb {
    /// A reference copy of the binary (a repository path), installed at `endpointPath`.
    /// Hashed at build time; the strongest identity.
    public static func binary<OS: TargetOS>(
        _ reference: String, at endpointPath: String,
        reason: String? = nil, owner: String? = nil, ticket: String? = nil, expires: CalendarDate? = nil,
        fileID: String = #fileID, line: Int = #line
    ) -> Rule<OS> {
        make(.binary(reference: reference, endpointPath: endpointPath),
             RuleMetadata(reason: reason, owner: owner, ticket: ticket, expires: expires), fileID, line)
    }

    /// A literal SHA-256 as a vendor publishes it, with the endpoint path when known.
    public static func sha256<OS: TargetOS>(
        _ hex: String, at endpointPath: String? = nil,
        reason: String? = nil, owner: String? = nil, ticket: String? = nil, expires: CalendarDate? = nil,
        fileID: String = #fileID, line: Int = #line
    ) -> Rule<OS> {
        make(.sha256(hex: hex, endpointPath: endpointPath),
             RuleMetadata(reason: reason, owner: owner, ticket: ticket, expires: expires), fileID, line)
    }

    /// Every executable (ELF, PE, `#!` script, or a file with an execute bit) in a reference tree
    /// such as a golden image or an unpacked package, mapped onto `mountPoint` on endpoints.
    public static func tree<OS: TargetOS>(
        _ reference: String, mountedAt mountPoint: String,
        reason: String? = nil, owner: String? = nil, ticket: String? = nil, expires: CalendarDate? = nil,
        fileID: String = #fileID, line: Int = #line
    ) -> Rule<OS> {
        make(.tree(reference: reference, mountPoint: mountPoint),
             RuleMetadata(reason: reason, owner: owner, ticket: ticket, expires: expires), fileID, line)
    }

    /// One endpoint path, with no content identity: anything placed there matches.
    public static func path<OS: TargetOS>(
        _ endpointPath: String,
        reason: String? = nil, owner: String? = nil, ticket: String? = nil, expires: CalendarDate? = nil,
        fileID: String = #fileID, line: Int = #line
    ) -> Rule<OS> {
        make(.path(endpointPath), RuleMetadata(reason: reason, owner: owner, ticket: ticket, expires: expires),
             fileID, line)
    }

    /// Every file under an endpoint directory: the weakest identity.
    public static func directory<OS: TargetOS>(
        _ endpointDirectory: String,
        reason: String? = nil, owner: String? = nil, ticket: String? = nil, expires: CalendarDate? = nil,
        fileID: String = #fileID, line: Int = #line
    ) -> Rule<OS> {
        make(.directory(endpointDirectory),
             RuleMetadata(reason: reason, owner: owner, ticket: ticket, expires: expires), fileID, line)
    }

    /// Windows only: files signed by `publisher` (AppLocker's form, `O=…, L=…, S=…, C=…`), optionally
    /// narrowed to a product, a binary name and a version range. With `reference`, a signed binary
    /// in the repository, empty fields are filled from its signature and version resource.
    public static func publisher(
        _ publisher: String = "", product: String = "*", binaryName: String = "*",
        versions: (low: String?, high: String?) = (nil, nil), reference: String? = nil,
        reason: String? = nil, owner: String? = nil, ticket: String? = nil, expires: CalendarDate? = nil,
        fileID: String = #fileID, line: Int = #line
    ) -> Rule<WindowsOS> {
        make(.publisher(PublisherCondition(publisher: publisher, product: product, binaryName: binaryName,
                                           lowVersion: versions.low, highVersion: versions.high,
                                           reference: reference)),
             RuleMetadata(reason: reason, owner: owner, ticket: ticket, expires: expires), fileID, line)
    }

    static func make<OS: TargetOS>(_ target: RuleTarget, _ metadata: RuleMetadata, _ fileID: String,
                                   _ line: Int) -> Rule<OS> {
        Rule(PolicyRule(decision: decision, platform: OS.platform, target: target, metadata: metadata,
                        windows: OS.platform == .windows ? WindowsRuleOptions() : nil,
                        location: SourceLocation(fileID: fileID, line: line)))
    }
}

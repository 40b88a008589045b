import PalisadeModel

@_exported import enum PalisadeModel.Mode
@_exported import enum PalisadeModel.Backend
@_exported import enum PalisadeModel.AppLockerCollection
@_exported import struct PalisadeModel.CalendarDate
@_exported import struct PalisadeModel.LinuxConfinement

/// One customer: an id used in file names, a display name, a mode, and its rules.
///
/// ```swift
/// let acme = Customer("acme", name: "Acme Manufacturing", mode: .enforce) {
///     MSPBaseline()
///     Linux {
///         Allow.binary("examples/artifacts/backup-agent", at: "/opt/acme/bin/backup-agent")
///         Deny.sha256("…", reason: "unapproved remote access tool")
///     }
/// }
/// ```
/// Declare each customer as a top-level `let` in a file under `policies/`; the build registers it.
public struct Customer: Sendable {
    /// The customer as the compiler sees it.
    public let policy: CustomerPolicy

    /// - Parameters:
    ///   - id: lower-case letters, digits and `-`; unique across the MSP.
    ///   - mode: `.audit` (log what would be blocked) or `.enforce`; audit by default, so a new
    ///     policy cannot lock anyone out before it has been watched.
    ///   - overrides: per-backend modes, e.g. `[.applocker: .audit]`.
    ///   - confinement: how Linux sessions enter the AppArmor allowlist profile.
    ///   - appLockerDefaultRules: AppLocker rule collections that allow something get the standard
    ///     default rules (Windows folder, Program Files, administrators) unless this is false.
    public init(
        _ id: String, name: String, mode: Mode = .audit, overrides: [Backend: Mode] = [:],
        confinement: LinuxConfinement? = nil, appLockerDefaultRules: Bool? = nil,
        fileID: String = #fileID, line: Int = #line,
        @PolicyBuilder _ content: () -> [any PolicyComponent]
    ) {
        policy = CustomerPolicy(id: id, displayName: name, mode: mode, backendModes: overrides,
                                linuxConfinement: confinement,
                                rules: content().flatMap { $0.rules(baseline: nil) },
                                location: SourceLocation(fileID: fileID, line: line),
                                appLockerDefaultRules: appLockerDefaultRules)
    }
}

import ArgumentParser
import Foundation
import PalisadeCompiler

/// `--format`: human text by default, or one JSON document on stdout.
public enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, json
}

/// JSON as Palisade writes it everywhere (the bundle's canonical form): sorted keys, no escaped
/// slashes, a final newline.
enum JSON {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] { try CanonicalJSON.encode(value) }
}

/// Exit codes shared by every command (DESIGN.md).
public enum PalisadeExit {
    /// Success, or a compliant endpoint.
    public static let success = ExitCode(0)
    /// Findings (verify), stale output (`build --check`) or some files failed (`hash`).
    public static let findings = ExitCode(1)
    /// Cannot do the job: bad arguments, policy errors, unreadable or unauthenticated bundle.
    public static let cannotRun = ExitCode(2)
}

import ArgumentParser
import Foundation

/// `--format`: human text by default, or one JSON document on stdout.
public enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, json
}

/// JSON as Palisade writes it everywhere: sorted keys, no escaped slashes, a final newline.
enum JSON {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var bytes = Array(try encoder.encode(value))
        bytes.append(0x0A)
        return bytes
    }
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

import ArgumentParser
import Foundation
import PalisadeModel

/// The root command. Executables call ``PalisadeMain/run(arguments:)``.
public struct Palisade: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "palisade",
        abstract: "Compile application allowlist/denylist policies for fapolicyd, AppArmor and AppLocker; verify endpoints.",
        discussion: "Exit status: 0 success or compliant; 1 findings, stale output or failed files; 2 cannot do the job.",
        version: PalisadeVersion.string,
        subcommands: [BuildCommand.self, VerifyCommand.self, HashCommand.self, InspectCommand.self, KeygenCommand.self, PublishCommand.self]
    )

    public init() {}

    /// No command: the usage on stderr and exit 2, as for any other bad arguments (a script that
    /// lost its command must not read as success).
    public func run() throws {
        Terminal.err(Palisade.helpMessage() + "\n")
        throw PalisadeExit.cannotRun
    }
}

public enum PalisadeVersion {
    public static let string = "0.1.0"
}

/// The shared entry point of both executables.
public enum PalisadeMain {
    /// Parses arguments, runs the command and exits with the documented exit codes
    /// (argument errors exit 2, not ArgumentParser's 64).
    /// `policies` is what `policies/` compiled to; nil in the endpoint binary, which carries none.
    public static func run(policies: [CustomerPolicy]?, arguments: [String]? = nil) -> Never {
        if let policies { PolicySource.install(policies) }
        do {
            var command = try Palisade.parseAsRoot(arguments)
            try command.run()
            exit(0)
        } catch {
            let code = Palisade.exitCode(for: error)
            if code == .validationFailure {
                Terminal.err(Palisade.fullMessage(for: error) + "\n")
                Terminal.err("Run 'palisade help' for usage.\n")
                exit(PalisadeExit.cannotRun.rawValue)
            }
            Palisade.exit(withError: error)
        }
    }
}

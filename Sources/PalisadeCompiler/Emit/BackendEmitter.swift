import PalisadeModel

/// A backend: a pure function from a resolved customer to bundle files.
///
/// No I/O, no clock, no randomness: the same customer gives the same bytes. Each backend lives
/// in its own folder under `Emit/` with its own tests.
public protocol BackendEmitter: Sendable {
    var backend: Backend { get }
    func emit(_ customer: ResolvedCustomer) -> EmitterOutput
}

/// What one backend produced for one customer.
public struct EmitterOutput: Sendable {
    /// Bundle-relative path (under the backend's folder) → exact bytes. Empty: nothing to emit.
    public var files: [String: [UInt8]]
    /// Rules the backend cannot express, fallbacks it chose, and refusals (errors stop the build).
    public var diagnostics: [Diagnostic]
    /// A Markdown section for INSTALL.md: where each file goes and how to load it.
    public var installNotes: String?

    public init(files: [String: [UInt8]] = [:], diagnostics: [Diagnostic] = [], installNotes: String? = nil) {
        self.files = files
        self.diagnostics = diagnostics
        self.installNotes = installNotes
    }
}

/// The backends a build runs, in a fixed order.
public enum Backends {
    /// Every backend Palisade has.
    public static let all: [any BackendEmitter] = [FapolicydEmitter(), AppArmorEmitter(), AppLockerEmitter()]
}

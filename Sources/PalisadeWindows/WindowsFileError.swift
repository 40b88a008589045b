/// Why a Windows file yields no hash or no publisher. Never a crash: every parser in this module
/// reports malformed input through this type.
public enum WindowsFileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file cannot be opened or read.
    case cannotRead(String)
    /// The file claims to be a PE image (starts with `MZ`) but its structure is broken or
    /// ambiguous, so no hash is given for it.
    case malformedPE(String)
    /// A file type whose AppLocker hash Palisade cannot compute with evidence (MSI).
    case unsupported(String)
    /// Size or modification time changed while the file was read.
    case changedWhileReading

    public var description: String {
        switch self {
        case .cannotRead(let why): return why
        case .malformedPE(let why): return "not a valid PE file: \(why)"
        case .unsupported(let why): return why
        case .changedWhileReading: return "file changed while it was being read; no hash"
        }
    }

    /// A stable machine-readable name.
    public var code: String {
        switch self {
        case .cannotRead: return "cannot-read"
        case .malformedPE: return "malformed-pe"
        case .unsupported: return "unsupported"
        case .changedWhileReading: return "changed-while-reading"
        }
    }
}

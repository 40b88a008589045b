#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import PalisadeCrypto
import PalisadeModel

/// Answers "is this executable allowed?" and "is it denied?" the way the enforcers decide:
/// an allow covers a path with its hash (trust entry), a hash anywhere (hash-only rule), a path
/// (path-only rule) or a directory prefix; a deny matches its hash anywhere, its path, or its folder.
struct Coverage {
    // Paths are compared by their bytes, as the enforcers compare them (see ExactString), in
    // the form `EndpointPaths.key` gives them (on Windows, case-folded).
    private var allowedAtPath: [ExactString: Set<String>] = [:]  // endpoint path → hashes ("*" = any)
    private var allowedHashes = Set<String>()
    private var allowedDirectories: [ExactString] = []
    private let deniedByHash: [String: ResolvedRule]
    private var deniedAtPath: [ExactString: ResolvedRule] = [:]
    private var deniedDirectories: [(ExactString, ResolvedRule)] = []

    /// `resolved`: rule index → the host path its endpoint path leads to, for rules whose path was found.
    /// `deniedByHash`: ``deniedByHash(_:)`` of the same rules.
    init(rules: [ResolvedRule], resolved: [Int: RawPath], fs: RootedFileSystem, paths: EndpointPaths,
         deniedByHash: [String: ResolvedRule]) {
        self.deniedByHash = deniedByHash
        for (index, rule) in rules.enumerated() {
            // Index a rule under its declared path and under its resolved one (/bin/x → /usr/bin/x).
            var keys: [ExactString] = []
            if let path = rule.path { keys.append(paths.key(path)) }
            if let host = resolved[index] { keys.append(paths.key(found: fs.endpointPath(of: host))) }
            switch (rule.decision, rule.pathMatch) {
            case (.allow, .directory?):
                if let path = rule.path { allowedDirectories.append(paths.key(directory: path)) }
            case (.allow, _):
                if keys.isEmpty, let hash = rule.sha256 { allowedHashes.insert(hash) }
                for key in keys { allowedAtPath[key, default: []].insert(rule.sha256 ?? "*") }
            case (.deny, .directory?):
                if let path = rule.path { deniedDirectories.append((paths.key(directory: path), rule)) }
            case (.deny, _):
                if rule.sha256 == nil { for key in keys { deniedAtPath[key] = rule } }
            }
        }
    }

    /// The deny rules with a hash, by hash (the first of each): what a file that is not a program
    /// is checked against.
    static func deniedByHash(_ rules: [ResolvedRule]) -> [String: ResolvedRule] {
        var table: [String: ResolvedRule] = [:]
        for rule in rules where rule.decision == .deny {
            if let hash = rule.sha256, table[hash] == nil { table[hash] = rule }
        }
        return table
    }

    /// The rule denying a program with this hash anywhere, at this path or in this folder.
    /// `endpoint`: a found file's `EndpointPaths.key(found:)`.
    func deniedRule(hash: String, endpoint: ExactString) -> ResolvedRule? {
        if let rule = deniedByHash[hash] { return rule }
        if let rule = deniedAtPath[endpoint] { return rule }
        return deniedDirectories.first { endpoint.hasBytePrefix($0.0) }?.1
    }

    /// `endpoint`: a found file's `EndpointPaths.key(found:)`.
    func isAllowed(hash: String, endpoint: ExactString) -> Bool {
        if let hashes = allowedAtPath[endpoint], hashes.contains(hash) || hashes.contains("*") { return true }
        if allowedHashes.contains(hash) { return true }
        return allowedDirectories.contains { endpoint.hasBytePrefix($0) }
    }
}

/// Endpoint path forms: Linux paths as they are; Windows paths (`C:\…`, `%PROGRAMFILES%\…`)
/// mapped onto a mounted volume's folders, compared case-insensitively as Windows compares names
/// (``WindowsCaseFolding``), and found files shown as spelt on disk.
struct EndpointPaths {
    var platform: Platform

    /// The path inside the root, `/`-separated, or nil when it cannot be mapped.
    func native(_ path: String) -> String? {
        switch platform {
        case .linux: return path
        case .windows: return WindowsVolume.nativePath(path)
        }
    }

    /// The form a rule's path is compared in.
    func key(_ path: String) -> ExactString {
        switch platform {
        case .linux: return ExactString(path)
        case .windows: return ExactString(WindowsCaseFolding.fold(WindowsVolume.nativePath(path) ?? path))
        }
    }

    /// The form a folder rule's path is compared in, ending in `/` so that it matches only what is
    /// inside the folder: `/opt/tools` must not cover `/opt/toolsevil/x`. (The compiler writes
    /// folders with their separator; a bundle's manifest is not trusted to.)
    func key(directory path: String) -> ExactString {
        let key = self.key(path)
        return key.string.utf8.last == UInt8(ascii: "/") ? key : ExactString(key.string + "/")
    }

    /// The form a found file's endpoint path (as ``display(_:)`` shows it) is compared in.
    func key(found endpoint: RawPath) -> ExactString {
        switch platform {
        case .linux: return ExactString(endpoint.description)
        case .windows: return ExactString(WindowsCaseFolding.fold(endpoint.description))
        }
    }

    /// How a found file is shown: its endpoint path as spelt on disk, on either platform, with
    /// the bytes of a name that is not UTF-8 as `\xHH` (see `RawPath.displayText`).
    func display(_ path: RawPath) -> String { path.displayText }

    /// How names are matched when a path is resolved inside the root.
    var nameMatching: RootedFileSystem.NameMatching {
        switch platform {
        case .linux: return .exact
        case .windows: return .windows
        }
    }
}

/// A Windows volume mounted on Linux (ntfs-3g, a VM disk image).
enum WindowsVolume {
    static let variables: [String: String] = [
        "%OSDRIVE%": "", "%WINDIR%": "/Windows", "%SYSTEM32%": "/Windows/System32",
        "%PROGRAMFILES%": "/Program Files",
    ]

    static func looksLikeWindows(root: String) -> Bool {
        var info = stat()
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        return ["/Windows/System32", "/WINDOWS/system32", "/windows/system32"].contains { lstat(base + $0, &info) == 0 }
    }

    /// `C:\Program Files\X\a.exe` → `/Program Files/X/a.exe`; `%PROGRAMFILES%\X` → `/Program Files/X`.
    /// Removable-media and hot-plug variables have no place on a mounted system volume: nil.
    static func nativePath(_ path: String) -> String? {
        var parts = path.split(separator: "\\", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first else { return nil }
        if first.count == 2, first.hasSuffix(":") {
            parts[0] = ""
        } else if let mapped = variables[first.uppercased()] {
            parts[0] = mapped
        } else {
            return nil
        }
        let joined = parts.joined(separator: "/")
        return joined.isEmpty ? "/" : joined
    }
}

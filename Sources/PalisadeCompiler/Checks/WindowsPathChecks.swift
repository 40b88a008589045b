import PalisadeModel

/// Windows path rules over folders that standard users can write to: anything a user copies
/// there would be allowed, which defeats an allowlist. A warning, not an error: sometimes it is
/// the only way (and the tightening belongs in the folder's ACL).
enum WindowsPathChecks {
    /// Folders standard users can write to by default (AppLocker path syntax, upper case, each
    /// ending in `\`). Drive roots are handled separately: users may create folders there.
    static let userWritable: [String] = [
        #"%WINDIR%\TEMP\"#, #"%WINDIR%\TASKS\"#, #"%WINDIR%\TRACING\"#, #"%WINDIR%\REGISTRATION\CRMLOG\"#,
        #"%SYSTEM32%\TASKS\"#, #"%SYSTEM32%\SPOOL\DRIVERS\COLOR\"#, #"%SYSTEM32%\SPOOL\PRINTERS\"#,
        #"%SYSTEM32%\SPOOL\SERVERS\"#, #"%SYSTEM32%\COM\DMP\"#, #"%SYSTEM32%\FXSTMP\"#,
        #"%SYSTEM32%\MICROSOFT\CRYPTO\RSA\MACHINEKEYS\"#,
        #"%WINDIR%\SYSTEM32\TASKS\"#, #"%WINDIR%\SYSTEM32\SPOOL\DRIVERS\COLOR\"#,
        #"%OSDRIVE%\USERS\"#, #"%OSDRIVE%\PROGRAMDATA\"#, #"%OSDRIVE%\TEMP\"#,
        #"%REMOVABLE%\"#, #"%HOT%\"#,
    ]

    /// Folders under a drive root that users cannot write to by default.
    static let protectedUnderRoot = [#"WINDOWS\"#, #"PROGRAM FILES\"#, #"PROGRAM FILES (X86)\"#]

    /// Per-user folder names that are writable by their owner wherever they appear.
    static let userFolderNames = [#"\APPDATA\"#, #"\DOWNLOADS\"#, #"\DESKTOP\"#, #"\TEMP\"#, #"\TMP\"#]

    static func check(_ rule: PolicyRule) -> [Diagnostic] {
        guard rule.platform == .windows, rule.decision == .allow else { return [] }
        let path: String
        switch rule.target {
        case .path(let p): path = p
        case .directory(let d): path = d.hasSuffix("\\") ? d : d + "\\"
        default: return []
        }
        guard let why = userWritableReason(path) else { return [] }
        return [.warning("allow by path over a user-writable location '\(path)' (\(why)): any program a user copies there is allowed; prefer a reference binary (hash rule) or a publisher rule, or make the folder read-only for users",
                         at: rule.location, backend: .applocker)]
    }

    /// Why `path` is user-writable, or nil.
    static func userWritableReason(_ path: String) -> String? {
        let upper = path.uppercased()
        if upper.hasPrefix("*") { return "a wildcard matches every folder" }
        for folder in userWritable where upper.hasPrefix(folder) || upper + "\\" == folder {
            return "\(folder.dropLast()) is writable by standard users"
        }
        for name in userFolderNames where upper.contains(name) || upper.hasSuffix(String(name.dropLast())) {
            return "\(name.dropFirst().dropLast()) folders are writable by their users"
        }
        // A drive root: %OSDRIVE%\X or C:\X, where users may create folders, except Windows and Program Files.
        let components = upper.split(separator: "\\", omittingEmptySubsequences: false)
        if let first = components.first, first == "%OSDRIVE%" || (first.count == 2 && first.hasSuffix(":")) {
            let rest = upper.dropFirst(first.count + 1)
            if !protectedUnderRoot.contains(where: { rest.hasPrefix($0) || rest + "\\" == $0 }) {
                return "standard users may create folders and files at the root of a drive"
            }
        }
        return nil
    }
}

import PalisadeModel

/// Rules for endpoint paths that hold for every backend. Backends add their own encoding on top;
/// these checks refuse what no backend should ever be handed.
public enum EndpointPathCheck {
    /// AppLocker's path variables (Microsoft's documentation lists exactly these).
    public static let appLockerVariables: Set<String> = [
        "%WINDIR%", "%SYSTEM32%", "%OSDRIVE%", "%PROGRAMFILES%", "%REMOVABLE%", "%HOT%",
    ]

    /// Why `path` is not a valid endpoint path on `platform`, or nil when it is.
    public static func problem(with path: String, platform: Platform, isDirectory: Bool = false) -> String? {
        if path.isEmpty { return "is empty" }
        // In UTF-8 every byte below 0x80 is that character, so bytes tell control characters apart.
        if path.containsUTF8Byte(where: { $0 < 0x20 || $0 == 0x7F }) {
            return path.containsUTF8Byte(where: { $0 == 0 }) ? "contains a NUL character" : "contains a control character"
        }
        switch platform {
        case .linux:
            var path = path  // withUTF8 makes a bridged string contiguous first
            if let problem = path.withUTF8({ linuxProblem(with: $0, isDirectory: isDirectory) }) { return problem }
        case .windows:
            if path.contains("/") { return "contains '/'; Windows paths use '\\'" }
            // Split on scalars, as Windows splits: as Characters, a '\' followed by a combining
            // mark is one character, and "..\\\u{301}x" would hide its '..' component.
            let components = path.unicodeScalars.split(separator: "\\", omittingEmptySubsequences: false).map(String.init)
            guard let first = components.first else { return "is empty" }
            let firstScalars = Array(first.unicodeScalars)
            let isDrive = firstScalars.count == 2 && firstScalars[1] == ":" && firstScalars[0].isASCII
                && firstScalars[0].properties.isAlphabetic
            let isVariable = appLockerVariables.contains(first.uppercased())
            if !isDrive && !isVariable {
                return "is not absolute; start with a drive (C:\\) or an AppLocker variable (\(appLockerVariables.sorted().joined(separator: ", ")))"
            }
            let rest = components.dropFirst()
            if rest.contains(where: { $0.unicodeScalars.elementsEqual("..".unicodeScalars) }) { return "contains a '..' component" }
            if rest.contains(where: { $0.unicodeScalars.elementsEqual(".".unicodeScalars) }) { return "contains a '.' component" }
            if path.unicodeScalars.contains(where: { "<>\"|?".unicodeScalars.contains($0) }) {
                return "contains a character Windows forbids in paths (< > \" | ?)"
            }
            if rest.contains(where: { $0.unicodeScalars.contains(":") }) {
                return "contains ':' after the drive (an alternate data stream or a device name)"
            }
            if rest.dropLast().contains(where: \.isEmpty) { return "contains an empty component ('\\\\')" }
            if !isDirectory && (rest.last?.isEmpty ?? true) {
                return "ends with '\\'; name a file (a folder is Allow.directory or Deny.directory)"
            }
        }
        return nil
    }
}

extension EndpointPathCheck {
    /// The Linux part of ``problem(with:platform:isDirectory:)``, on the path's bytes.
    static func linuxProblem(with bytes: UnsafeBufferPointer<UInt8>, isDirectory: Bool) -> String? {
        guard bytes.first == 0x2F else { return "is relative; Linux endpoint paths start with '/'" }
        // Components after the leading '/': '..', '.', and empty ones other than the last.
        var dotDot = false, dot = false, emptyInner = false
        var start = 1  // of the current component
        for index in 1...bytes.count {
            let atEnd = index == bytes.count
            guard atEnd || bytes[index] == 0x2F else { continue }
            switch index - start {
            case 0: if !atEnd { emptyInner = true }
            case 1: if bytes[start] == 0x2E { dot = true }
            case 2: if bytes[start] == 0x2E && bytes[start + 1] == 0x2E { dotDot = true }
            default: break
            }
            start = index + 1
        }
        if dotDot { return "contains a '..' component" }
        if dot { return "contains a '.' component" }
        if emptyInner || (!isDirectory && bytes.last == 0x2F && bytes.count > 1) {
            return isDirectory ? "contains an empty component ('//')" : "ends with '/' or contains '//'; name a file"
        }
        return nil
    }
}

/// Customer ids become file and profile names.
public enum CustomerIDCheck {
    public static func problem(with id: String) -> String? {
        if id.isEmpty { return "is empty" }
        if id.utf8.count > 64 { return "is longer than 64 characters" }
        let allowed = id.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
        if !allowed { return "may contain only lower-case letters, digits and '-'" }
        if id.hasPrefix("-") || id.hasSuffix("-") { return "may not start or end with '-'" }
        return nil
    }
}

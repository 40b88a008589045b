import PalisadeModel

/// Tells ELF, PE and scripts apart from their first bytes.
public enum FileClassifier {
    public static func kind(head: [UInt8]) -> FileKind {
        if head.starts(with: [0x7F, 0x45, 0x4C, 0x46]) { return .elf }
        if head.starts(with: [0x4D, 0x5A]) { return .pe }
        if head.starts(with: [0x23, 0x21]) { return .script }
        return .other
    }

    /// What a tree rule takes: ELF, PE, `#!` scripts, and anything with an execute bit.
    public static func isExecutable(kind: FileKind, mode: UInt32) -> Bool {
        kind != .other || mode & 0o111 != 0
    }

    /// The AppLocker rule collection a Windows file belongs to, from its name and kind.
    public static func appLockerCollection(path: String, kind: FileKind?) -> AppLockerCollection {
        let name = path.split(separator: "\\").last.map(String.init) ?? path
        let ext = name.contains(".") ? String(name.split(separator: ".").last!).lowercased() : ""
        switch ext {
        case "dll", "ocx": return .dll
        case "ps1", "bat", "cmd", "vbs", "js": return .script
        case "msi", "msp", "mst": return .msi
        case "appx", "msix": return .appx
        default: return .exe
        }
    }
}

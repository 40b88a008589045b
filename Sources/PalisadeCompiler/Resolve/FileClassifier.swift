import PalisadeModel

/// Which AppLocker rule collection a Windows file belongs to (file kinds: `FileKind.classify`).
public enum FileClassifier {
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

import PalisadeModel

/// Which AppLocker rule collection a Windows file belongs to (file kinds: `FileKind.classify`).
public enum FileClassifier {
    /// The AppLocker rule collection a Windows file belongs to, from its name and kind: the collection
    /// of its extension (`AppLockerCollection.byFileExtension`), Exe for any other.
    public static func appLockerCollection(path: String, kind: FileKind?) -> AppLockerCollection {
        let name = path.split(separator: "\\").last.map(String.init) ?? path
        let ext = name.contains(".") ? String(name.split(separator: ".").last!).lowercased() : ""
        return AppLockerCollection.byFileExtension[ext] ?? .exe
    }
}

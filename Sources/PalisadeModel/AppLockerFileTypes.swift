/// Which files AppLocker's rule collections govern: the one table of file name extensions that the
/// compiler (choosing a rule's collection), the PE reader (choosing a hash) and the verifier
/// (finding programs on a mounted Windows volume) share.
extension AppLockerCollection {
    /// Lower-case extensions, without the dot, and the collection AppLocker puts such a file in.
    /// `.exe`/`.com` are not listed: the compiler puts every unlisted extension in Exe anyway.
    public static let byFileExtension: [String: AppLockerCollection] = [
        "dll": .dll, "ocx": .dll,
        "ps1": .script, "bat": .script, "cmd": .script, "vbs": .script, "js": .script,
        "msi": .msi, "msp": .msi, "mst": .msi,
        "appx": .appx, "msix": .appx,
    ]

    /// The extensions of this collection in ``byFileExtension``.
    public var fileExtensions: Set<String> {
        Set(Self.byFileExtension.filter { $0.value == self }.keys)
    }

    /// The collection of a file called `fileName` by its extension (compared case-insensitively, as
    /// Windows does), or nil when its extension is in none.
    public init?(fileName: String) {
        guard let dot = fileName.lastIndex(of: ".") else { return nil }
        guard let collection = Self.byFileExtension[String(fileName[fileName.index(after: dot)...]).lowercased()] else { return nil }
        self = collection
    }
}

/// Which files AppLocker's rule collections govern: the one table of file name extensions that the
/// compiler (choosing a rule's collection), the PE reader (choosing a hash) and the verifier
/// (finding programs on a mounted Windows volume) share.
extension AppLockerCollection {
    /// Lower-case extensions, without the dot, and the collection AppLocker puts such a file in.
    /// Exe and Dll files are PE images, recognised by their content wherever they are run from (see
    /// ``FileKind/isGovernedByAppLocker(_:fileName:)``); `.exe`/`.com` are not listed because
    /// the compiler puts every unlisted extension in Exe anyway.
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

extension FileKind {
    /// What counts as a program on a Windows volume: what AppLocker governs. A PE image (`MZ`)
    /// whatever its name, since it can be started or loaded under any name, and a script,
    /// installer or package by its extension, since that is how Windows picks what runs it. The
    /// POSIX mode means nothing there: ntfs-3g shows every file as 0777, or as its umask says.
    public static func isGovernedByAppLocker(_ kind: FileKind, fileName: String) -> Bool {
        if kind == .pe { return true }
        switch AppLockerCollection(fileName: fileName) {
        case .script?, .msi?, .appx?: return true
        case .exe?, .dll?, nil: return false
        }
    }
}

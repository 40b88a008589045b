/// Where something was written in a policy file: the file as the repository names it, and a line.
public struct SourceLocation: Codable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Repository-relative, e.g. `policies/acme.swift`.
    public var file: String
    public var line: Int

    @inlinable
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    /// From `#fileID` (`Module/File.swift`): the policies module maps back to its folder, so
    /// diagnostics name the file the engineer edits.
    public init(fileID: String, line: Int) {
        var file = fileID
        if let slash = fileID.firstIndex(of: "/") {
            let module = fileID[..<slash]
            if let folder = SourceLocation.moduleFolders[String(module)] {
                file = folder + fileID[slash...]
            }
        }
        self.init(file: file, line: line)
    }

    /// Module name → repository folder, for modules whose files engineers edit.
    static let moduleFolders = ["Policies": "policies"]

    public var description: String { "\(file):\(line)" }

    public static func < (a: Self, b: Self) -> Bool { (a.file, a.line) < (b.file, b.line) }
}

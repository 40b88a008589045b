/// Merged /usr: on Debian 12 and most current distributions `/bin`, `/sbin` and `/lib*` are symlinks
/// into `/usr`. AppArmor and fapolicyd both match the symlink-resolved path, so a rule for `/bin/x`
/// never matches there; on a host that is not merged, `/bin/x` is a real file and `/usr/bin/x`
/// another path.
///
/// The emitters cannot know which kind of host the bundle lands on (they are pure functions of the
/// policy), so every rule whose path starts with a legacy top-level directory is emitted twice: as
/// written and under `/usr`. On a merged host both name the same file; on an unmerged one Debian
/// never ships the same name in both places (dpkg refuses such aliasing since the usrmerge
/// transition), so the extra path names the same program or nothing. Deny rules in particular must
/// catch both spellings. Paths already under `/usr` are not mapped back: on a merged host the
/// legacy spelling is never what the enforcers see.
enum MergedUsr {
    /// Top-level directories that merged-/usr hosts turn into symlinks into `/usr`.
    static let legacyDirectories = ["bin", "sbin", "lib", "lib32", "lib64", "libx32"]

    /// `path` and, when it lies under a legacy directory, the same path under `/usr` (bytes).
    static func spellings(of path: [UInt8]) -> [[UInt8]] {
        usrSpelling(of: path).map { [path, $0] } ?? [path]
    }

    /// The same path under `/usr` when `path` lies under a legacy directory, or nil.
    static func usrSpelling(of path: [UInt8]) -> [UInt8]? {
        guard path.count > 3, path[1] == UInt8(ascii: "b") || path[1] == UInt8(ascii: "s") || path[1] == UInt8(ascii: "l")
        else { return nil }  // the usual case, decided on one byte
        for root in legacyRoots where path.starts(with: root) {
            if path.count == root.count || path[root.count] == UInt8(ascii: "/") {
                return usr + path
            }
        }
        return nil
    }

    /// `path` and, when it lies under a legacy directory, the same path under `/usr`.
    static func spellings(of path: String) -> [String] {
        usrSpelling(of: Array(path.utf8)) == nil ? [path] : [path, "/usr" + path]
    }

    static let legacyRoots = legacyDirectories.map { Array("/\($0)".utf8) }
    static let usr = Array("/usr".utf8)
}

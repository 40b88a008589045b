import PalisadeCrypto
@testable import PalisadeVerifier
import Testing

/// The lookup that lets a rule use the walker's listing instead of resolving its path again.
@Suite("verify: finding rule paths in the listing")
struct EntryIndexTests {
    static func entries(_ paths: [String]) -> [FileEntry] {
        paths.map { FileEntry(path: RawPath($0), size: 0, device: 0, inode: 0, mode: 0o100644, viaSymlink: false) }
    }

    @Test func plainPathsAreFoundUnderTheRoot() {
        let listed = Self.entries(["/r/a", "/r/a b", "/r/a/b", "/r/a\u{e9}", "/r/b", "/r/usr/bin/x"])
        let index = EntryIndex(listed: listed)
        #expect(!index.hasDuplicates)
        let root = RawPath("/r")
        #expect(index.listed(endpoint: "/a", root: root) == 0)
        #expect(index.listed(endpoint: "/a b", root: root) == 1)
        #expect(index.listed(endpoint: "/a/b", root: root) == 2)
        #expect(index.listed(endpoint: "/a\u{e9}", root: root) == 3)
        #expect(index.listed(endpoint: "/usr/bin/x", root: root) == 5)
        #expect(index.listed(endpoint: "/usr/bin", root: root) == nil)
        #expect(index.listed(endpoint: "/c", root: root) == nil)
        #expect(index.listed(endpoint: "/r/a", root: RawPath("/")) == 0)
        // Anything that needs resolving is left to the resolver, even when the bytes would match.
        for odd in ["a", "", "/", "//a", "/./a", "/a/", "/usr//bin/x", "/usr/./bin/x", "/usr/bin/../bin/x", "/usr/bin/x/."] {
            #expect(index.listed(endpoint: odd, root: root) == nil, "\(odd)")
        }
        #expect(index[RawPath("/r/b")] == 4)
        #expect(index[RawPath("/r/a/")] == nil)
        #expect(index[RawPath("/r")] == nil)
    }

    @Test func extrasDuplicatesAndAnUnsortedListing() {
        var index = EntryIndex(listed: Self.entries(["/a", "/b", "/b", "/c"]))
        #expect(index.hasDuplicates)
        #expect(index[RawPath("/b")] == 1)
        index.addExtra(RawPath("/z/extra"), at: 4)
        #expect(index[RawPath("/z/extra")] == 4)

        let unsorted = EntryIndex(listed: Self.entries(["/c", "/a", "/b"]))
        #expect(!unsorted.hasDuplicates)
        #expect(unsorted[RawPath("/a")] == 1)
        #expect(unsorted.listed(endpoint: "/c", root: RawPath("/")) == nil)  // resolved instead: still correct
        #expect(EntryIndex(listed: Self.entries(["/c", "/a", "/c"])).hasDuplicates)
        #expect(EntryIndex(listed: []).listed(endpoint: "/a", root: RawPath("/")) == nil)
    }
}

/// A string that is equal to another, hashes and sorts by its UTF-8 bytes, as file systems and
/// enforcers compare names.
///
/// Swift's `String` compares and hashes by canonical equivalence: `"caf\u{E9}"` and
/// `"cafe\u{301}"` are equal `String`s, yet they name two different files on Linux and on NTFS, and
/// fapolicyd, AppArmor and AppLocker match them apart. Sets and dictionary keys of paths, hashes
/// and rule contents use this type, so two rules that differ only there are never merged.
public struct ExactString: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let string: String

    @inlinable
    public init(_ string: String) { self.string = string }

    public var description: String { string }

    public static func == (a: ExactString, b: ExactString) -> Bool {
        ByteOrder.precedes(a.string, b.string) == nil
    }

    public static func < (a: ExactString, b: ExactString) -> Bool {
        ByteOrder.precedes(a.string, b.string) == true
    }

    public func hash(into hasher: inout Hasher) {
        var string = self.string  // contiguous UTF-8 for native strings: no copy
        string.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Whether the string's bytes begin with `prefix`'s bytes (`String.hasPrefix` compares
    /// characters: `"/d/\u{301}x"` does not begin with `"/d/"` there).
    public func hasBytePrefix(_ prefix: ExactString) -> Bool {
        string.utf8.starts(with: prefix.string.utf8)
    }
}

extension String {
    /// Whether every UTF-8 byte of the string satisfies `predicate`. Scans the string's own
    /// contiguous storage when it has one: iterating `utf8` byte by byte costs several
    /// nanoseconds a byte, which showed in the compiler's profile on a million literal hashes.
    @inlinable @inline(__always)  // so that `predicate` is inlined into the loop
    public func allUTF8Bytes(satisfy predicate: (UInt8) -> Bool) -> Bool {
        if let result = utf8.withContiguousStorageIfAvailable({ $0.allSatisfy(predicate) }) { return result }
        return utf8.allSatisfy(predicate)
    }

    /// Whether some UTF-8 byte of the string satisfies `predicate` (see ``allUTF8Bytes(satisfy:)``).
    @inlinable @inline(__always)
    public func containsUTF8Byte(where predicate: (UInt8) -> Bool) -> Bool {
        !allUTF8Bytes { !predicate($0) }
    }
}

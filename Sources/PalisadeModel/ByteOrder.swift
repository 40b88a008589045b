#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Byte-wise order, as AppArmor, fapolicyd and bundle files compare names (Swift's `String` `<`
/// compares by canonical equivalence instead), without copying the bytes.
public enum ByteOrder {
    /// Whether `a` sorts before `b`; nil when their bytes are equal.
    @inline(__always)
    public static func precedes(_ a: String, _ b: String) -> Bool? {
        var order: Bool?
        var compared = false
        _ = a.utf8.withContiguousStorageIfAvailable { x in
            _ = b.utf8.withContiguousStorageIfAvailable { y in
                order = precedes(x, y)
                compared = true
            }
        }
        if compared { return order }
        var a = a, b = b  // bridged or lazily decoded strings: make them contiguous first
        return a.withUTF8 { x in b.withUTF8 { y in precedes(x, y) } }
    }

    /// Whether `a` sorts before `b`; nil when they are equal.
    @inline(__always)
    public static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool? {
        a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in precedes(x, y) } }
    }

    public static func precedes(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool? {
        let common = min(x.count, y.count)
        if common > 0 {
            let c = memcmp(x.baseAddress!, y.baseAddress!, common)
            if c != 0 { return c < 0 }
        }
        return x.count == y.count ? nil : x.count < y.count
    }
}

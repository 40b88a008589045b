/// Where emitters write bytes: an `[UInt8]`, or a ``ByteBuffer`` for the large files. Writers
/// that are generic over it are specialized for each in optimized builds.
public protocol ByteSink: ~Copyable {
    mutating func append(_ byte: UInt8)
    mutating func append(bytes: UnsafeBufferPointer<UInt8>)
}

extension Array: ByteSink where Element == UInt8 {
    @inlinable
    public mutating func append(bytes: UnsafeBufferPointer<UInt8>) { append(contentsOf: bytes) }
}

extension ByteSink where Self: ~Copyable {
    /// Appends the UTF-8 bytes of `text` in one copy from the string's own storage.
    /// `bytes += text.utf8` goes through the generic sequence path, which cost several times
    /// more in the emitters, where it runs a dozen times per rule.
    @inlinable
    public mutating func appendUTF8(_ text: String) {
        var copied = false
        _ = text.utf8.withContiguousStorageIfAvailable { utf8 in
            append(bytes: utf8)
            copied = true
        }
        if !copied {
            for byte in text.utf8 { append(byte) }
        }
    }

    /// ``appendUTF8(_:)`` of at most the first `maxBytes` bytes.
    @inlinable
    public mutating func appendUTF8(_ text: String, maxBytes: Int) {
        var copied = false
        _ = text.utf8.withContiguousStorageIfAvailable { utf8 in
            append(bytes: UnsafeBufferPointer(rebasing: utf8.prefix(maxBytes)))
            copied = true
        }
        if !copied {
            for byte in text.utf8.prefix(maxBytes) { append(byte) }
        }
    }

    /// Appends `value` in decimal, as `String(value)` writes it, without making the string.
    @inlinable
    public mutating func appendDecimal<T: BinaryInteger>(_ value: T) {
        if value < 0 { append(0x2D) }
        var magnitude = UInt64(value.magnitude)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = 0x30 + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude != 0
            append(bytes: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }
}

extension Array where Element == UInt8 {
    /// Appends the UTF-8 bytes of `text` (at most `maxBytes` of them) in one copy from the
    /// string's own storage. `bytes += text.utf8` goes through the generic sequence path, which
    /// cost several times more in the emitters, where it runs a dozen times per rule.
    @inlinable
    public mutating func appendUTF8(_ text: String, maxBytes: Int = .max) {
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { utf8 in
            append(contentsOf: UnsafeBufferPointer(rebasing: utf8.prefix(maxBytes)))
        }
        if copied == nil { append(contentsOf: text.utf8.prefix(maxBytes)) }
    }

    /// Appends `value` in decimal, as `String(value)` writes it, without making the string.
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
            append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }
}

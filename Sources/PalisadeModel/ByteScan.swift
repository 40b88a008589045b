/// Finding the bytes that need escaping, eight at a time: text written into bundle files is
/// mostly long runs of bytes that are copied as they are.
public enum ByteScan {
    /// The index of the first byte at or after `start` that is below 0x20 or equal to `x` or `y`
    /// (`x` and `y` below 0x80), or of 0x80 or more when `orHighBytes`; `bytes.count` when there
    /// is none.
    ///
    /// Each word gets the classic "has a byte less than" and "has a zero byte" tests. Their lowest
    /// flag is exact (a borrow only reaches a byte above one that is flagged itself), and bytes
    /// of 0x80 or more never borrow, so the first flag is the answer.
    @inlinable
    public static func firstControl(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, or x: UInt8, _ y: UInt8,
                                    orHighBytes: Bool = false) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        let ones: UInt64 = 0x0101_0101_0101_0101, highs = ones &* 0x80
        let xs = ones &* UInt64(x), ys = ones &* UInt64(y), spaces = ones &* 0x20
        let highMask: UInt64 = orHighBytes ? ~0 : 0
        var i = start
        while i + 8 <= bytes.count {
            let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            let vx = word ^ xs, vy = word ^ ys
            let flags = (((word &- spaces) & ~word) | ((vx &- ones) & ~vx) | ((vy &- ones) & ~vy) | (word & highMask)) & highs
            if flags != 0 { return i + flags.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < bytes.count {
            let byte = base[i]
            if byte < 0x20 || byte == x || byte == y || (orHighBytes && byte >= 0x80) { return i }
            i += 1
        }
        return bytes.count
    }
}

/// The bytes of a large file being written (a manifest, a rules file, a profile). Appending is a
/// capacity check and a copy: `Array`'s `append(contentsOf:)` takes about a hundred instructions
/// a call through its generic path, and writing a bundle appends some fifty times per rule.
///
/// Non-copyable, so it owns its memory outright: no reference count, no copy on write.
public struct ByteBuffer: ~Copyable, ByteSink {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    @usableFromInline var written = 0

    /// Bytes written so far.
    public var count: Int { written }

    public init(capacity: Int = 256) {
        self.capacity = Swift.max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    public var isEmpty: Bool { count == 0 }

    /// The last byte written, if any.
    public var last: UInt8? { count == 0 ? nil : base[count - 1] }

    @inlinable
    public mutating func append(_ byte: UInt8) {
        if written == capacity { grow(toHold: written + 1) }
        base[written] = byte
        written += 1
    }

    @inlinable
    public mutating func append(bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        if capacity - written < bytes.count { grow(toHold: written + bytes.count) }
        (base + written).initialize(from: source, count: bytes.count)
        written += bytes.count
    }

    @inlinable
    public mutating func append(_ bytes: [UInt8]) { bytes.withUnsafeBufferPointer { append(bytes: $0) } }

    /// Forgets the bytes written, keeping the memory.
    public mutating func removeAll() { written = 0 }

    @usableFromInline
    mutating func grow(toHold needed: Int) {
        let newCapacity = Swift.max(needed, 2 * capacity)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.initialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// The bytes written so far, for reading in place.
    public func withUnsafeBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base, count: count))
    }

    /// The bytes written so far, as an array (one copy).
    public var array: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }
}

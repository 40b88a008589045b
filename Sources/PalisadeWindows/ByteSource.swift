#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import PalisadeCrypto

/// Random access to a file's bytes: PE parsing reads headers, tables and resources at offsets,
/// and hashing streams ranges, so a 2 GB installer is never loaded whole.
public protocol ByteSource: Sendable {
    /// The size the file had when it was opened.
    var size: Int64 { get }
    /// Exactly `count` bytes at `offset`; throws when the range is not inside the file.
    func read(at offset: Int64, count: Int) throws(WindowsFileError) -> [UInt8]
    /// Feeds the bytes in `range` to `hasher`.
    func hash(_ range: Range<Int64>, into hasher: inout SHA256) throws(WindowsFileError)
}

extension ByteSource {
    func checkRange(_ offset: Int64, _ count: Int64) throws(WindowsFileError) {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw .malformedPE("a structure at offset \(offset) (\(count) bytes) runs past the end of the file (\(size) bytes)")
        }
    }
}

/// Bytes already in memory (tests, fuzzing, small files).
public struct MemoryByteSource: ByteSource {
    public let bytes: [UInt8]
    public var size: Int64 { Int64(bytes.count) }

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func read(at offset: Int64, count: Int) throws(WindowsFileError) -> [UInt8] {
        try checkRange(offset, Int64(count))
        return Array(bytes[Int(offset)..<Int(offset) + count])
    }

    public func hash(_ range: Range<Int64>, into hasher: inout SHA256) throws(WindowsFileError) {
        try checkRange(range.lowerBound, range.upperBound - range.lowerBound)
        bytes.withUnsafeBytes { raw in
            hasher.update(UnsafeRawBufferPointer(rebasing: raw[Int(range.lowerBound)..<Int(range.upperBound)]))
        }
    }
}

/// A regular file, read with `pread`. Refuses FIFOs, devices and directories; notices a file that
/// changes size or modification time while it is read (``verifyUnchanged()``).
public final class FileByteSource: ByteSource, @unchecked Sendable {
    // Immutable after init; pread does not move a shared offset, so concurrent reads are safe.
    private let fd: Int32
    public let size: Int64
    private let modified: timespec
    public let path: RawPath

    public init(path: RawPath) throws(WindowsFileError) {
        self.path = path
        let fd = path.withCString { open($0, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK) }
        if fd < 0 { throw .cannotRead(String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw .cannotRead(message)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw .cannotRead(info.st_mode & S_IFMT == S_IFDIR ? "Is a directory" : "not a regular file, not read")
        }
        self.fd = fd
        self.size = Int64(info.st_size)
        self.modified = info.st_mtim
    }

    deinit { close(fd) }

    public func read(at offset: Int64, count: Int) throws(WindowsFileError) -> [UInt8] {
        try checkRange(offset, Int64(count))
        var out = [UInt8](repeating: 0, count: count)
        var done = 0
        var failure: WindowsFileError?
        out.withUnsafeMutableBytes { raw in
            while done < count {
                let n = pread(fd, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = .cannotRead(String(cString: strerror(errno)))
                    return
                }
                if n == 0 { failure = .changedWhileReading; return }
                done += n
            }
        }
        if let failure { throw failure }
        return out
    }

    public func hash(_ range: Range<Int64>, into hasher: inout SHA256) throws(WindowsFileError) {
        try checkRange(range.lowerBound, range.upperBound - range.lowerBound)
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 64)
        defer { buffer.deallocate() }
        var position = range.lowerBound
        while position < range.upperBound {
            let want = Int(min(Int64(chunk), range.upperBound - position))
            let n = pread(fd, buffer.baseAddress, want, off_t(position))
            if n < 0 {
                if errno == EINTR { continue }
                throw .cannotRead(String(cString: strerror(errno)))
            }
            if n == 0 { throw .changedWhileReading }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            position += Int64(n)
        }
    }

    /// Throws when the file's size or modification time differ from when it was opened.
    public func verifyUnchanged() throws(WindowsFileError) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .cannotRead(String(cString: strerror(errno))) }
        if Int64(info.st_size) != size || info.st_mtim.tv_sec != modified.tv_sec
            || info.st_mtim.tv_nsec != modified.tv_nsec {
            throw .changedWhileReading
        }
    }
}

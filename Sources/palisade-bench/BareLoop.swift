#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch
import Synchronization
import PalisadeCrypto

/// `palisade-bench loop LIST [--read-only | --mapped]`: the plainest file hasher there is, as a
/// yardstick for `palisade hash -r` on the same machine in the same run. One thread per core takes
/// the next name from LIST (NUL-separated paths) and does `open`, `fstat`, `read` into a reused
/// 1 MiB buffer, Crypto++ SHA-256 (unless `--read-only`), `close`. No tree walk, no checks for
/// special files, symlinks or files changing while read, no sorting, no output per file.
///
/// Whatever `palisade hash` does beyond that costs time, so this loop's rate is what the engine
/// could reach at best with the kernel's page-cache reads; `--read-only` is what the reads alone
/// cost. `--mapped` hashes files of 256 KiB and more straight from the page cache, mapped 16 MiB at
/// a time, without the copy a read makes: what an engine that maps files could reach. (The engine
/// does not map files: a file truncated while mapped kills the reader with SIGBUS.) Prints
/// key=value lines; the time excludes reading LIST.
enum BareLoop {
    enum Mode: String { case read = "read+sha256", readOnly = "read-only", mapped = "mapped+sha256" }

    static func run(list: String, mode: Mode) {
        let paths = readList(list)
        let next = Atomic<Int>(0)
        let bytes = Atomic<Int64>(0)
        let failures = Atomic<Int>(0)
        let start = now()
        DispatchQueue.concurrentPerform(iterations: FileHasher.onlineCores) { _ in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
            defer { buffer.deallocate() }
            var hasher = SHA256()
            var read: Int64 = 0
            while true {
                let index = next.add(1, ordering: .relaxed).oldValue
                guard index < paths.count else { break }
                guard let size = hashFile(paths[index], buffer: buffer, mode: mode, hasher: &hasher) else {
                    failures.add(1, ordering: .relaxed)
                    continue
                }
                read += size
            }
            bytes.add(read, ordering: .relaxed)
        }
        let seconds = now() - start
        print("mode=\(mode.rawValue)")
        print("threads=\(FileHasher.onlineCores)")
        print("files=\(paths.count)")
        print("failures=\(failures.load(ordering: .relaxed))")
        print("bytes=\(bytes.load(ordering: .relaxed))")
        print("seconds=\(seconds)")
        print("checksum=\(checksum.load(ordering: .relaxed))")
        if failures.load(ordering: .relaxed) > 0 { exit(1) }
    }

    /// Bytes read, or nil if the file could not be opened or read.
    private static func hashFile(_ path: [CChar], buffer: UnsafeMutableRawBufferPointer, mode: Mode,
                                 hasher: inout SHA256) -> Int64? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        let hash = mode != .readOnly
        var total: Int64 = 0
        if mode == .mapped && info.st_size >= 256 << 10 {
            let window: Int64 = 16 << 20
            while total < Int64(info.st_size) {
                let length = Int(min(window, Int64(info.st_size) - total))
                guard let map = mmap(nil, length, PROT_READ, MAP_SHARED, fd, off_t(total)), map != MAP_FAILED else { return nil }
                hasher.update(UnsafeRawBufferPointer(start: map, count: length))
                munmap(map, length)
                total += Int64(length)
            }
        }
        while total < Int64(info.st_size) {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { break }
            if hash { hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) }
            total += Int64(n)
        }
        if hash { checksum.add(UInt64(hasher.finalize().bytes[0]), ordering: .relaxed) }
        return total
    }

    /// NUL-separated paths, each kept NUL-terminated for `open`.
    private static func readList(_ list: String) -> [[CChar]] {
        guard let file = fopen(list, "rb") else { fail("cannot open \(list)") }
        defer { fclose(file) }
        var paths: [[CChar]] = []
        var current: [CChar] = []
        while true {
            let c = getc(file)
            if c == EOF { break }
            current.append(CChar(truncatingIfNeeded: c))
            if c == 0 {
                paths.append(current)
                current.removeAll(keepingCapacity: true)
            }
        }
        if !current.isEmpty { paths.append(current + [0]) }
        return paths
    }
}

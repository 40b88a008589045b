#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CSystem
import Dispatch
import Synchronization

/// What the engine can say about a path instead of a hash.
public enum FileProblem: Error, Hashable, Sendable, CustomStringConvertible {
    /// The path does not exist (or vanished between listing and reading).
    case notFound
    case permissionDenied
    /// A FIFO, socket or device: never opened for reading.
    case notRegularFile(FileType)
    /// A directory named without `--recursive`.
    case isDirectory
    /// A symbolic link that was not followed.
    case symlink
    /// Following the link leads back into itself (ELOOP).
    case symlinkLoop
    /// Size, modification time or identity changed while the file was read.
    case changedWhileReading
    /// On a case-insensitive (Windows) volume: several entries' names equal the one looked for but
    /// for case, and which one Windows would open is not known. The names as spelt on disk.
    case ambiguousName([String])
    case ioError(Int32)

    public var description: String {
        switch self {
        case .notFound: return "No such file or directory"
        case .permissionDenied: return "Permission denied"
        case .notRegularFile(let type): return "not a regular file (\(type)), not read"
        case .isDirectory: return "Is a directory"
        case .symlink: return "symbolic link, not followed"
        case .symlinkLoop: return "Too many levels of symbolic links"
        case .changedWhileReading: return "file changed while it was being read; no hash"
        case .ambiguousName(let names):
            return "several names match case-insensitively (\(names.joined(separator: ", "))); which one Windows would open is not known"
        case .ioError(let code): return String(cString: strerror(code))
        }
    }

    public static func from(errno code: Int32) -> FileProblem {
        switch code {
        case ENOENT, ENOTDIR: return .notFound
        case EACCES, EPERM: return .permissionDenied
        case ELOOP: return .symlinkLoop
        default: return .ioError(code)
        }
    }
}

/// The type of a file system object, from `lstat`/`stat`.
public enum FileType: String, Hashable, Sendable, CustomStringConvertible, Codable {
    case regular, directory, symlink, fifo, socket, characterDevice = "character-device",
         blockDevice = "block-device", unknown

    public init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symlink
        case S_IFIFO: self = .fifo
        case S_IFSOCK: self = .socket
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        default: self = .unknown
        }
    }

    public var description: String { rawValue }
}

/// A regular file found by the walker, with the identity it had when listed.
public struct FileEntry: Hashable, Sendable {
    public var path: RawPath
    public var size: Int64
    public var device: UInt64
    public var inode: UInt64
    public var mode: UInt32
    /// True when the listed name is a symbolic link that was followed to this file.
    public var viaSymlink: Bool

    public init(path: RawPath, size: Int64, device: UInt64, inode: UInt64, mode: UInt32, viaSymlink: Bool) {
        self.path = path
        self.size = size
        self.device = device
        self.inode = inode
        self.mode = mode
        self.viaSymlink = viaSymlink
    }

    /// Any execute bit set.
    public var isExecutable: Bool { mode & 0o111 != 0 }
}

/// A hashed file.
public struct FileDigest: Hashable, Sendable {
    public var path: RawPath
    public var size: Int64
    public var sha256: SHA256Digest
    /// The first bytes of the file (up to 64), read in the same pass: enough to tell ELF, PE or `#!`.
    /// Empty when the hasher was told not to keep them (``FileHasher/keepsHeads``).
    public var head: [UInt8]
    public var mode: UInt32
}

/// One result of the engine, in deterministic order.
public struct HashOutcome: Sendable {
    public var path: RawPath
    public var result: Result<FileDigest, FileProblem>

    public var digest: FileDigest? { if case .success(let d) = result { d } else { nil } }
    public var problem: FileProblem? { if case .failure(let p) = result { p } else { nil } }
}

/// When the walker follows symbolic links.
public enum SymlinkPolicy: Sendable {
    /// Report every symlink as a symlink.
    case never
    /// Follow links named as operands, not those found inside directories (like `find -H`).
    case operands
    /// Follow every link (like `find -L`); directory cycles are detected and reported.
    case always
}

/// Hashes many files on all cores: one Crypto++ state and one reused read buffer per worker, so
/// the reading takes `workers × bufferSize` whatever the file sizes. ``hash(_:recursive:symlinks:progress:emit:)``
/// hands results over as they are ready, in path order, with at most ``window`` files listed
/// ahead of them, so its memory stays bounded whatever the file count too. (The walk still reads
/// each directory's names whole, with the names of the directories above it still to visit.)
public struct FileHasher: Sendable {
    public var workers: Int
    public var bufferSize: Int
    /// Whether digests keep the file's first 64 bytes (``FileDigest/head``). The compiler and
    /// `verify` need them to tell ELF, PE and scripts apart; `palisade hash` does not, and without
    /// them each file costs one allocation (about 110 bytes) less.
    public var keepsHeads: Bool
    /// How many files (and problems) the streaming ``hash(_:recursive:symlinks:progress:emit:)``
    /// may have listed and not yet handed over: the walk waits when it gets that far ahead. Each
    /// costs a few hundred bytes. Big files start first only among these, so the window must
    /// hold enough work to keep the other cores busy while a big file is hashed on one.
    public var window: Int

    public init(workers: Int? = nil, bufferSize: Int = 1 << 20, keepsHeads: Bool = true, window: Int = 16_384) {
        self.workers = max(1, workers ?? FileHasher.onlineCores)
        self.bufferSize = max(4096, bufferSize)
        self.keepsHeads = keepsHeads
        self.window = max(1, window)
    }

    /// How many of a file's first bytes go into its digest's `head`.
    private var headLength: Int { keepsHeads ? 64 : 0 }

    public static var onlineCores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Lists `operands` (recursively when asked), hashes every regular file found, and calls
    /// `emit` on this thread with each outcome as soon as it and every one before it are ready:
    /// files in path byte order, whatever the order of the operands, and each problem the walk
    /// met where it met it (a directory's own problem comes where its contents would: see
    /// ``TreeWalker``). At most ``window`` files are ever listed ahead of the last one emitted.
    ///
    /// When a directory operand holds another operand (or is named twice), no walk lists paths
    /// in order: then every outcome is kept and sorted before the first is emitted.
    public func hash(
        _ operands: [RawPath], recursive: Bool, symlinks: SymlinkPolicy = .operands,
        progress: (@Sendable (Progress) -> Void)? = nil, emit: (consuming HashOutcome) -> Void
    ) {
        let walker = TreeWalker(symlinks: symlinks)
        guard let ordered = walker.pathOrder(of: operands, recursive: recursive) else {
            var all: [HashOutcome] = []
            hashWalking(operands, with: walker, recursive: recursive, window: .max, progress: progress) { all.append($0) }
            for outcome in Self.sortedByPath(consume all) { emit(outcome) }
            return
        }
        hashWalking(ordered, with: walker, recursive: recursive, window: window, progress: progress, emit: emit)
    }

    /// Lists `operands` (recursively when asked) and hashes every regular file found.
    /// Results come sorted by path bytes; problems are listed among them at their path.
    public func hash(
        _ operands: [RawPath], recursive: Bool, symlinks: SymlinkPolicy = .operands,
        progress: (@Sendable (Progress) -> Void)? = nil
    ) -> [HashOutcome] {
        var outcomes: [HashOutcome] = []
        var inOrder = true
        hash(operands, recursive: recursive, symlinks: symlinks, progress: progress) { outcome in
            // Files come in order; only a directory's own problem can come after a sibling that
            // sorts after it.
            if inOrder, let last = outcomes.last, outcome.path < last.path { inOrder = false }
            outcomes.append(outcome)
        }
        return inOrder ? outcomes : Self.sortedByPath(consume outcomes)
    }

    /// Walks `operands` in the order given, the files found pushed to the workers and the
    /// problems met among them, and emits the outcomes in that order.
    private func hashWalking(_ operands: [RawPath], with walker: TreeWalker, recursive: Bool, window: Int,
                             progress: (@Sendable (Progress) -> Void)?, emit: (consuming HashOutcome) -> Void) {
        hashFeeding(window: window, followSymlinks: walker.symlinks != .never, progress: progress, emit: emit) { push in
            walker.walk(operands, recursive: recursive,
                        found: { push(.file($0)) },
                        problem: { push(.done(HashOutcome(path: $0.path, result: .failure($0.problem)))) })
        }
    }

    /// `outcomes` in path byte order (stable). Indices are sorted against one buffer holding
    /// every path, and the outcomes are then put in that order in place, by swaps: sorting the
    /// outcomes themselves copied two of them (a retain for each array inside) per comparison,
    /// a tenth of the run on 50,000 small files, and building a new array copied each one.
    static func sortedByPath(_ outcomes: consuming [HashOutcome]) -> [HashOutcome] {
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        bytes.reserveCapacity(outcomes.count * 64)
        ranges.reserveCapacity(outcomes.count)
        for index in outcomes.indices {
            let start = bytes.count
            bytes.append(contentsOf: outcomes[index].path.bytes)
            ranges.append(start..<bytes.count)
        }
        // The outcome at order[rank] goes to rank.
        var positions = [Int](repeating: 0, count: ranges.count)
        for (rank, index) in RawPath.order(of: ranges, in: bytes).enumerated() { positions[index] = rank }
        var sorted = consume outcomes
        move(&sorted, to: positions)
        return sorted
    }

    /// Moves the element at each index i to `positions[i]` (a permutation of the indices) in
    /// place: every swap puts one element in its final place. The swaps go through a buffer
    /// pointer, whose `swapAt` moves the elements' bytes: `Array.swapAt` copied them, a retain
    /// and a release for each reference inside an outcome, on objects long out of the cache.
    static func move<Element>(_ items: inout [Element], to positions: consuming [Int]) {
        items.withUnsafeMutableBufferPointer { items in
            positions.withUnsafeMutableBufferPointer { positions in
                var index = 0
                while index < positions.count {
                    let target = positions[index]
                    if target == index {
                        index += 1
                    } else {
                        items.swapAt(index, target)
                        positions.swapAt(index, target)
                    }
                }
            }
        }
    }

    /// Runs one worker per core on a ``WorkQueue`` while `feed` pushes into it on this thread
    /// (so the workers waiting for files can never hold up the thread that gives them), and
    /// calls `emit` on this thread with each outcome in the order of the pushes, as soon as it
    /// and those before it are ready. A push waits while `window` pushes are not yet emitted.
    /// Workers take the biggest file pushed so far (by size class), so a big file pushed early
    /// does not end the run on one core.
    private func hashFeeding(window: Int, followSymlinks: Bool, progress: (@Sendable (Progress) -> Void)?,
                             emit: (consuming HashOutcome) -> Void, _ feed: ((WorkQueue.Item) -> Void) -> Void) {
        let queue = WorkQueue()
        let bufferSize = self.bufferSize
        let workerCount = workers
        let done = Atomic<Int>(0)
        let bytesDone = Atomic<Int64>(0)
        let group = DispatchGroup()
        for _ in 0..<workerCount {
            DispatchQueue.global().async(group: group) {
                let state = Worker(bufferSize: bufferSize)
                // Each outcome goes back with the next pop, to the taken file's position.
                var finished: (position: Int, outcome: HashOutcome)? = nil
                while let (position, entry) = queue.pop(handingBack: finished.take()) {
                    let result = hashOne(entry, follow: followSymlinks || entry.viaSymlink, worker: state)
                    finished = (position, HashOutcome(path: entry.path, result: result))
                    let files = done.add(1, ordering: .relaxed).newValue
                    let bytes = bytesDone.add(entry.size, ordering: .relaxed).newValue
                    if let progress {
                        let (listed, listedBytes) = queue.listed
                        progress(Progress(filesDone: files, filesTotal: listed, bytesDone: bytes, bytesTotal: listedBytes))
                    }
                }
            }
        }
        // Outcomes moved out of the queue, emitted outside its lock. `emit` only ever runs on
        // this thread, during this call, inside `feed` or after it.
        var ready: [HashOutcome] = []
        withoutActuallyEscaping(emit) { emit in
            func emitReady() {
                for outcome in ready { emit(outcome) }
                ready.removeAll(keepingCapacity: true)
            }
            feed { item in
                queue.push(item, within: window, ready: &ready)
                if !ready.isEmpty { emitReady() }
            }
            queue.finish()
            while queue.waitForReady(into: &ready) { emitReady() }
            emitReady()
        }
        group.wait()
    }

    /// Progress of a running hash.
    public struct Progress: Sendable {
        public var filesDone: Int
        public var filesTotal: Int
        public var bytesDone: Int64
        public var bytesTotal: Int64
    }

    /// Hashes listed files; results are in the order of `entries`. Workers take the biggest
    /// file first, so a big file does not end the run on one core.
    public func hash(entries: [FileEntry], followSymlinks: Bool = false,
                     progress: (@Sendable (Progress) -> Void)? = nil) -> [HashOutcome] {
        guard !entries.isEmpty else { return [] }
        var outcomes: [HashOutcome] = []
        outcomes.reserveCapacity(entries.count)
        hashFeeding(window: .max, followSymlinks: followSymlinks, progress: progress, emit: { outcomes.append($0) }) { push in
            for entry in entries { push(.file(entry)) }
        }
        return outcomes
    }

    /// What one worker reuses for every file: a hash state and a read buffer, and what it last
    /// learnt about a file system.
    final class Worker {
        var hasher = SHA256()
        let buffer: UnsafeMutableRawBufferPointer
        /// The device of the last file hashed, and whether sizes there are content lengths.
        var device: UInt64? = nil
        var sizesAreLengths = true

        init(bufferSize: Int) { buffer = .allocate(byteCount: bufferSize, alignment: 64) }
        deinit { buffer.deallocate() }
    }

    /// Hashes what `descriptor` gives until end of file: standard input, for `palisade hash -`.
    /// A stream has no size to check and may be a pipe or a terminal: it is read once, as it
    /// comes, through one buffer. `path` names it in the outcome.
    public func hash(stream descriptor: Int32, as path: RawPath) -> HashOutcome {
        let worker = Worker(bufferSize: bufferSize)
        var head = [UInt8]()
        let result = Self.absorb(descriptor, stoppingAt: nil, waitingForData: true, into: &worker.hasher,
                                 buffer: worker.buffer, head: &head, headLength: headLength)
            .map { size in FileDigest(path: path, size: size, sha256: worker.hasher.finalize(), head: head, mode: 0) }
        return HashOutcome(path: path, result: result)
    }

    /// Reads `fd` into `hasher` until end of file, keeping the first `headLength` bytes in `head`; returns
    /// the byte count. With `expected` (the size fstat gave), stops once that many bytes are in,
    /// without the read that would only say end of file: a file that grew or shrank meanwhile is
    /// still caught by the caller's size check. (A file fstat calls empty is still read, so a
    /// file that is not empty after all is noticed.) A descriptor with no data yet (EAGAIN) is
    /// waited for when `waitingForData` (standard input), and is an error otherwise: a kernel
    /// file such as /proc/kmsg that streams would never end. On an error the hasher is reset for
    /// the next file.
    private static func absorb(_ fd: Int32, stoppingAt expected: Int64?, waitingForData: Bool,
                               into hasher: inout SHA256, buffer: UnsafeMutableRawBufferPointer,
                               head: inout [UInt8], headLength: Int) -> Result<Int64, FileProblem> {
        var total: Int64 = 0
        while true {
            if let expected, total > 0 && total == expected { break }
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n == 0 { break }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN && waitingForData {
                    // A non-blocking stream (standard input can be left so): wait until it has data.
                    var wait = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    if poll(&wait, 1, -1) >= 0 || errno == EINTR { continue }
                }
                _ = hasher.finalize()
                return .failure(.from(errno: code))
            }
            if head.count < headLength {
                let take = min(headLength - head.count, n)
                head.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<take]))
            }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            total += Int64(n)
        }
        return .success(total)
    }

    /// Whether the file system holding `fd` gives files the size of their content. The kernel's
    /// own file systems do not: /proc files say 0 bytes, sysfs ones 4096, whatever they hold.
    /// sha256sum reads them to their end, and so does the engine there. (Checked once per device
    /// by each worker; when fstatfs fails, sizes are trusted and checked.)
    static func sizesAreLengths(onFileSystemOf fd: Int32) -> Bool {
        var type: UInt = 0
        guard palisade_file_system_type(fd, &type) == 0 else { return true }
        return !kernelFileSystems.contains(UInt32(truncatingIfNeeded: type))
    }

    /// Magic numbers (statfs f_type) of the kernel's file systems, from linux/magic.h; configfs's
    /// from the kernel's fs/configfs.
    static let kernelFileSystems: Set<UInt32> = [
        0x9fa0,      // proc
        0x6265_6572, // sysfs
        0x6462_6720, // debugfs
        0x7472_6163, // tracefs
        0x7363_6673, // securityfs
        0x6265_6570, // configfs
        0x0027_e0eb, // cgroup
        0x6367_7270, // cgroup2
        0xcafe_4a11, // bpf
        0xde5e_81e4, // efivarfs
        0x4249_4e4d, // binfmt_misc
        0xf97c_ff8c, // selinuxfs
        0x4341_5d53, // smackfs
        0x0765_5821, // resctrl
    ]

    /// Hashes one file already known to be regular; reports it changed if its identity, size or
    /// mtime differ from the listing or between the start and the end of the read, or if it
    /// gave another number of bytes than its size (where sizes are content lengths).
    func hashOne(_ entry: FileEntry, follow: Bool, worker: Worker) -> Result<FileDigest, FileProblem> {
        var flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK
        if !follow { flags |= O_NOFOLLOW }
        let fd = entry.path.withCString { open($0, flags) }
        if fd < 0 {
            let code = errno
            // O_NOFOLLOW on a symlink gives ELOOP: the name was replaced by a link since listing.
            if code == ELOOP && !follow { return .failure(.changedWhileReading) }
            return .failure(.from(errno: code))
        }
        defer { close(fd) }
        var before = stat()
        guard fstat(fd, &before) == 0 else { return .failure(.from(errno: errno)) }
        guard FileType(mode: before.st_mode) == .regular else {
            // Swapped for something else after listing; we opened it non-blocking and read nothing.
            return .failure(.changedWhileReading)
        }
        guard UInt64(before.st_dev) == entry.device, UInt64(before.st_ino) == entry.inode else {
            return .failure(.changedWhileReading)
        }
        if worker.device != UInt64(before.st_dev) {
            worker.device = UInt64(before.st_dev)
            worker.sizesAreLengths = Self.sizesAreLengths(onFileSystemOf: fd)
        }
        // Where sizes say nothing of the content, the file is read to its end like a stream.
        let expected: Int64? = worker.sizesAreLengths ? Int64(before.st_size) : nil
        // Read-ahead advice only matters for files that take more than one read.
        if let expected, expected > Int64(worker.buffer.count) { _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) }
        var head = [UInt8]()
        let total: Int64
        switch Self.absorb(fd, stoppingAt: expected, waitingForData: false, into: &worker.hasher, buffer: worker.buffer,
                           head: &head, headLength: headLength) {
        case .success(let count): total = count
        case .failure(let problem): return .failure(problem)
        }
        let digest = worker.hasher.finalize()
        var after = stat()
        guard fstat(fd, &after) == 0 else { return .failure(.from(errno: errno)) }
        if after.st_size != before.st_size || (expected.map { total != $0 } ?? false)
            || after.st_mtim.tv_sec != before.st_mtim.tv_sec || after.st_mtim.tv_nsec != before.st_mtim.tv_nsec {
            return .failure(.changedWhileReading)
        }
        return .success(FileDigest(path: entry.path, size: total, sha256: digest, head: head,
                                   mode: UInt32(before.st_mode)))
    }
}


/// Between the walk and the workers: files listed and not yet taken, handed out biggest first,
/// and the outcomes not yet handed over, kept in listing order.
///
/// "Biggest" is by size class, the size's bit length: a file is taken before every file of a
/// smaller class, and among one class the first listed goes first. That is enough to start big
/// files early (no big file ends the run on one core), and taking a file costs a few integer
/// operations instead of a heap's sift over every file listed.
///
/// Every push takes the next position. Each worker hands back the outcome of the file it took
/// with its next `pop`, and the queue keeps it at that file's position; the pushing thread moves
/// the outcomes out from the first position on, as far as they are ready. Positions in flight
/// (pushed, not yet moved out) live in a ring that grows to the largest number in flight, which
/// the pushing thread bounds with `push`'s `window`.
final class WorkQueue: @unchecked Sendable {
    /// What the walk pushes: a file to hash, or an outcome it already has (a problem it met).
    enum Item {
        case file(FileEntry)
        case done(HashOutcome)
    }

    private struct Slot {
        /// The file, until a worker takes it.
        var entry: FileEntry? = nil
        /// Its outcome, from when it is handed back until the pushing thread moves it out.
        var outcome: HashOutcome? = nil
    }

    private struct State {
        /// Positions `first..<end`, position p at `p & (slots.count - 1)` (a power of two).
        var slots = [Slot](repeating: Slot(), count: 256)
        /// The first position whose outcome is not yet moved out, and the next position to push.
        var first = 0
        var end = 0
        /// Positions of the files not yet taken, by size class (bucket b holds the sizes of bit
        /// length b), each in order of pushes from `next[b]` on.
        var buckets = [[Int]](repeating: [], count: 64)
        var next = [Int](repeating: 0, count: 64)
        /// Bit b is set when bucket b has files not yet taken.
        var occupied: UInt64 = 0
        var finished = false
        var listed = 0
        var listedBytes: Int64 = 0
        /// The pushing thread waits until the outcome at `first` is handed back.
        var pusherWaits = false
        /// Workers waiting for a file (or the end).
        var idleWorkers = 0

        func index(_ position: Int) -> Int { position & (slots.count - 1) }

        mutating func append(_ slot: consuming Slot) {
            if end - first == slots.count {
                // Twice the room; each position in flight moves to its place in the larger ring.
                var larger = [Slot](repeating: Slot(), count: slots.count * 2)
                for position in first..<end { swap(&larger[position & (larger.count - 1)], &slots[index(position)]) }
                slots = larger
            }
            slots[index(end)] = slot
            end += 1
        }

        /// Moves out the outcomes ready from `first` on, in order.
        mutating func moveReady(into ready: inout [HashOutcome]) {
            while first < end, let outcome = slots[index(first)].outcome.take() {
                ready.append(outcome)
                first += 1
            }
        }

        /// Takes the next file (see the type's comment) with its position, or nil if none is left.
        mutating func take() -> (position: Int, entry: FileEntry)? {
            guard occupied != 0 else { return nil }
            let bucket = UInt64.bitWidth - 1 - occupied.leadingZeroBitCount
            let position = buckets[bucket][next[bucket]]
            next[bucket] += 1
            if next[bucket] == buckets[bucket].count {
                buckets[bucket].removeAll(keepingCapacity: true)
                next[bucket] = 0
                occupied &= ~(1 << UInt64(bucket))
            } else if next[bucket] >= 4096 && 2 * next[bucket] >= buckets[bucket].count {
                // A class that never runs empty: drop the taken front, so the bucket does not grow
                // with every file ever pushed (each position is moved at most once per take).
                buckets[bucket].removeFirst(next[bucket])
                next[bucket] = 0
            }
            // The worker owns it now: moved out, the slot keeps nil in its place.
            guard let entry = slots[index(position)].entry.take() else { preconditionFailure("a position taken twice") }
            return (position, entry)
        }
    }
    private let state = Mutex(State())
    /// Wakes an idle worker: one signal for each worker counted in `idleWorkers` and woken.
    private let available = DispatchSemaphore(value: 0)
    /// Signalled when the outcome the pushing thread waits for is handed back.
    private let firstReady = DispatchSemaphore(value: 0)

    /// The size class of a file: its size's bit length, 0 for an empty file, at most 63.
    static func sizeClass(_ size: Int64) -> Int { Int64.bitWidth - max(0, size).leadingZeroBitCount }

    /// Files and bytes listed so far.
    var listed: (Int, Int64) { state.withLock { ($0.listed, $0.listedBytes) } }

    /// How many positions are pushed and not yet moved out.
    var inFlight: Int { state.withLock { $0.end - $0.first } }

    /// Moves the outcomes ready (in order, from the first position on) into `ready`, then pushes
    /// `item` at the next position, first waiting while `window` positions are in flight.
    /// Call from one thread only.
    func push(_ item: consuming Item, within window: Int, ready: inout [HashOutcome]) {
        var item = Optional(item)
        while true {
            let (pushed, wakeWorker): (Bool, Bool) = state.withLock { state in
                state.moveReady(into: &ready)
                guard state.end - state.first < window else {
                    // Nothing was ready, or there would be room now: wait for the first outcome.
                    state.pusherWaits = true
                    return (false, false)
                }
                switch item.take()! {
                case .file(let entry):
                    let bucket = Self.sizeClass(entry.size)
                    state.listed += 1
                    state.listedBytes += entry.size
                    state.buckets[bucket].append(state.end)
                    state.occupied |= 1 << UInt64(bucket)
                    state.append(Slot(entry: entry))
                    guard state.idleWorkers > 0 else { return (true, false) }
                    state.idleWorkers -= 1
                    return (true, true)
                case .done(let outcome):
                    state.append(Slot(outcome: outcome))
                    return (true, false)
                }
            }
            if pushed {
                if wakeWorker { available.signal() }
                return
            }
            firstReady.wait()
        }
    }

    /// No more pushes: lets every waiting worker see the end.
    func finish() {
        let idle = state.withLock { state in
            state.finished = true
            defer { state.idleWorkers = 0 }
            return state.idleWorkers
        }
        for _ in 0..<idle { available.signal() }
    }

    /// After ``finish()``: moves the outcomes ready into `ready`, first waiting until
    /// the next one is if none is. False once every outcome is moved out.
    func waitForReady(into ready: inout [HashOutcome]) -> Bool {
        while true {
            let (more, wait): (Bool, Bool) = state.withLock { state in
                state.moveReady(into: &ready)
                if state.first == state.end { return (false, false) }
                if !ready.isEmpty { return (true, false) }
                state.pusherWaits = true
                return (true, true)
            }
            if !wait { return more }
            firstReady.wait()
        }
    }

    /// Stores `finished` (the outcome of a file taken before) at its position, then takes the
    /// next file (see the type's comment) with its position, waiting while there is none; nil
    /// once the walk has finished and nothing is left. The outcome is stored before any wait:
    /// the pushing thread may be waiting for it to make room in its window.
    func pop(handingBack finished: consuming (position: Int, outcome: HashOutcome)?) -> (position: Int, entry: FileEntry)? {
        var handedBack = finished.take()
        while true {
            let (taken, end, wakePusher): ((Int, FileEntry)?, Bool, Bool) = state.withLock { state in
                // Under the same lock as the taking, so a file costs one lock, not two.
                var wake = false
                if let (position, outcome) = handedBack.take() {
                    let slot = state.index(position)
                    precondition(position >= state.first && position < state.end && state.slots[slot].entry == nil
                                 && state.slots[slot].outcome == nil, "an outcome handed back for a file not taken, or twice")
                    state.slots[slot].outcome = outcome
                    if position == state.first && state.pusherWaits {
                        state.pusherWaits = false
                        wake = true
                    }
                }
                if let taken = state.take() { return (taken, false, wake) }
                if state.finished { return (nil, true, wake) }
                state.idleWorkers += 1
                return (nil, false, wake)
            }
            if wakePusher { firstReady.signal() }
            if let taken { return taken }
            if end { return nil }
            available.wait()
        }
    }
}

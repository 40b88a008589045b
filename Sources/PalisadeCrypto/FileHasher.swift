#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
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
/// the reading takes `workers × bufferSize` whatever the file sizes and counts. The results, kept
/// to be returned in path order, take a few hundred bytes per file (about 310 for
/// ``hash(_:recursive:symlinks:progress:)`` without heads).
public struct FileHasher: Sendable {
    public var workers: Int
    public var bufferSize: Int
    /// Whether digests keep the file's first 64 bytes (``FileDigest/head``). The compiler and
    /// `verify` need them to tell ELF, PE and scripts apart; `palisade hash` does not, and without
    /// them each file costs one allocation (about 110 bytes, kept until the output) less.
    public var keepsHeads: Bool

    public init(workers: Int? = nil, bufferSize: Int = 1 << 20, keepsHeads: Bool = true) {
        self.workers = max(1, workers ?? FileHasher.onlineCores)
        self.bufferSize = max(4096, bufferSize)
        self.keepsHeads = keepsHeads
    }

    /// How many of a file's first bytes go into its digest's `head`.
    private var headLength: Int { keepsHeads ? 64 : 0 }

    public static var onlineCores: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Lists `operands` (recursively when asked) and hashes every regular file found.
    /// Results come sorted by path bytes; problems are listed among them at their path.
    public func hash(
        _ operands: [RawPath], recursive: Bool, symlinks: SymlinkPolicy = .operands,
        progress: (@Sendable (Progress) -> Void)? = nil
    ) -> [HashOutcome] {
        // Only the listing's problems are needed here: the walk keeps no list of the files.
        let (listing, hashed, inPathOrder) = hashWhileListing(operands, recursive: recursive, symlinks: symlinks,
                                                              keepingFiles: false, select: nil, progress: progress)
        let problems = listing.problems.map { HashOutcome(path: $0.path, result: .failure($0.problem)) }
        // The walk lists one operand's files in path order, so usually only the (sorted, few)
        // problems need merging in; operands out of order or links followed into directories
        // need the full sort.
        if inPathOrder { return Self.merged(hashed, problems) }
        var outcomes = consume hashed
        outcomes.append(contentsOf: problems)
        return Self.sortedByPath(consume outcomes)
    }

    /// `files` and `problems`, each in path byte order, merged into one: each problem goes after
    /// the files whose paths do not sort after it (files first among equal paths, as the stable
    /// sort of `files + problems` would put them). Problems are few: each is placed by a binary
    /// search, so most files' paths are never read here, and files are moved, not copied.
    static func merged(_ files: consuming [HashOutcome], _ problems: [HashOutcome]) -> [HashOutcome] {
        var all = consume files
        guard !problems.isEmpty else { return all }
        let fileCount = all.count
        // Where each problem goes among the files: the first file that sorts after it.
        var insertAt: [Int] = []
        insertAt.reserveCapacity(problems.count)
        var low = 0
        for problem in problems {
            var high = fileCount
            while low < high {
                let middle = (low + high) / 2
                if RawPath.precedes(problem.path.bytes, all[middle].path.bytes) { high = middle } else { low = middle + 1 }
            }
            insertAt.append(low)
        }
        all.append(contentsOf: problems)
        // File i moves down by the problems placed before it; problem k goes at insertAt[k] + k.
        var positions = [Int](repeating: 0, count: all.count)
        var placed = 0
        for file in 0..<fileCount {
            while placed < problems.count && insertAt[placed] <= file { placed += 1 }
            positions[file] = file + placed
        }
        for (k, index) in insertAt.enumerated() { positions[fileCount + k] = index + k }
        move(&all, to: positions)
        return all
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

    /// Lists `operands` and hashes the regular files that `select` picks (all by default) while
    /// the listing goes on. Returns the whole listing and the outcomes of the selected files in
    /// the order the walk found them: path byte order within each operand (see
    /// ``TreeWalker/walk(_:recursive:found:)`` for the exception).
    public func hashWhileListing(
        _ operands: [RawPath], recursive: Bool, symlinks: SymlinkPolicy = .operands,
        select: ((FileEntry) -> Bool)? = nil, progress: (@Sendable (Progress) -> Void)? = nil
    ) -> (listing: TreeWalker.Listing, outcomes: [HashOutcome]) {
        let (listing, outcomes, _) = hashWhileListing(operands, recursive: recursive, symlinks: symlinks,
                                                      keepingFiles: true, select: select, progress: progress)
        return (listing, outcomes)
    }

    /// ``hashWhileListing(_:recursive:symlinks:select:progress:)``; with `keepingFiles` false the
    /// listing holds the problems alone. `inPathOrder` says whether the outcomes came out in
    /// path byte order (see ``TreeWalker/walk(_:recursive:found:)``).
    func hashWhileListing(
        _ operands: [RawPath], recursive: Bool, symlinks: SymlinkPolicy, keepingFiles: Bool,
        select: ((FileEntry) -> Bool)?, progress: (@Sendable (Progress) -> Void)?
    ) -> (listing: TreeWalker.Listing, outcomes: [HashOutcome], inPathOrder: Bool) {
        // Hashing starts while the tree is still being listed: the walk (one stat per name, on
        // this thread) overlaps the workers instead of coming before them.
        var listing = TreeWalker.Listing()
        // Whether the files come in path order, checked as they are listed (their paths are in
        // the cache now; they would not be after the hashing).
        var inPathOrder = true
        let outcomes = hashFeeding(followSymlinks: symlinks != .never, progress: progress) { queue in
            var previous: RawPath? = nil
            listing = TreeWalker(symlinks: symlinks).walk(operands, recursive: recursive, keepingFiles: keepingFiles) { entry in
                guard select?(entry) ?? true else { return }
                if inPathOrder, let previous, entry.path < previous { inPathOrder = false }
                previous = entry.path
                queue.push(entry)
            }
        }
        return (listing, outcomes, inPathOrder)
    }

    /// Runs one worker per core on a ``WorkQueue`` while `feed` pushes files into it on this
    /// thread (so the workers waiting for files can never hold up the thread that gives them).
    /// Workers take the biggest file pushed so far (by size class), so a big file pushed early
    /// does not end the run on one core. Returns the outcomes in the order of the pushes.
    private func hashFeeding(followSymlinks: Bool, progress: (@Sendable (Progress) -> Void)?,
                             _ feed: (WorkQueue) -> Void) -> [HashOutcome] {
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
                    let result = hashOne(entry, follow: followSymlinks || entry.viaSymlink, hasher: &state.hasher,
                                         buffer: state.buffer)
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
        feed(queue)
        queue.finish(wakingUp: workerCount)
        group.wait()
        return queue.outcomes()
    }

    /// Progress of a running hash.
    public struct Progress: Sendable {
        public var filesDone: Int
        public var filesTotal: Int
        public var bytesDone: Int64
        public var bytesTotal: Int64
    }

    /// Hashes listed files; results are in the order of `entries`. Work is handed out as in
    /// ``hashWhileListing(_:recursive:symlinks:select:progress:)``: biggest first.
    public func hash(entries: [FileEntry], followSymlinks: Bool = false,
                     progress: (@Sendable (Progress) -> Void)? = nil) -> [HashOutcome] {
        guard !entries.isEmpty else { return [] }
        return hashFeeding(followSymlinks: followSymlinks, progress: progress) { queue in
            for entry in entries { queue.push(entry) }
        }
    }

    /// What one worker reuses for every file: a hash state and a read buffer.
    final class Worker {
        var hasher = SHA256()
        let buffer: UnsafeMutableRawBufferPointer

        init(bufferSize: Int) { buffer = .allocate(byteCount: bufferSize, alignment: 64) }
        deinit { buffer.deallocate() }
    }

    /// Hashes what `descriptor` gives until end of file: standard input, for `palisade hash -`.
    /// A stream has no size to check and may be a pipe or a terminal: it is read once, as it
    /// comes, through one buffer. `path` names it in the outcome.
    public func hash(stream descriptor: Int32, as path: RawPath) -> HashOutcome {
        let worker = Worker(bufferSize: bufferSize)
        var head = [UInt8]()
        let result = Self.absorb(descriptor, stoppingAt: nil, into: &worker.hasher, buffer: worker.buffer, head: &head,
                                 headLength: headLength)
            .map { size in FileDigest(path: path, size: size, sha256: worker.hasher.finalize(), head: head, mode: 0) }
        return HashOutcome(path: path, result: result)
    }

    /// Reads `fd` into `hasher` until end of file, keeping the first `headLength` bytes in `head`; returns
    /// the byte count. With `expected` (the size fstat gave), stops once that many bytes are in,
    /// without the read that would only say end of file: a file that grew or shrank meanwhile is
    /// still caught by the caller's size check. (A file fstat calls empty is still read, so a
    /// non-empty /proc file is noticed.) On an error the hasher is reset for the next file.
    private static func absorb(_ fd: Int32, stoppingAt expected: Int64?, into hasher: inout SHA256,
                               buffer: UnsafeMutableRawBufferPointer, head: inout [UInt8],
                               headLength: Int) -> Result<Int64, FileProblem> {
        var total: Int64 = 0
        while true {
            if let expected, total > 0 && total == expected { break }
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n == 0 { break }
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN {
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

    /// Hashes one file already known to be regular; reports it changed if its identity, size or
    /// mtime differ from the listing or between the start and the end of the read.
    private func hashOne(_ entry: FileEntry, follow: Bool, hasher: inout SHA256,
                         buffer: UnsafeMutableRawBufferPointer) -> Result<FileDigest, FileProblem> {
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
        let expected = Int64(before.st_size)
        // Read-ahead advice only matters for files that take more than one read.
        if expected > Int64(buffer.count) { _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) }
        var head = [UInt8]()
        let total: Int64
        switch Self.absorb(fd, stoppingAt: expected, into: &hasher, buffer: buffer, head: &head, headLength: headLength) {
        case .success(let count): total = count
        case .failure(let problem): return .failure(problem)
        }
        let digest = hasher.finalize()
        var after = stat()
        guard fstat(fd, &after) == 0 else { return .failure(.from(errno: errno)) }
        if after.st_size != before.st_size || total != Int64(before.st_size)
            || after.st_mtim.tv_sec != before.st_mtim.tv_sec || after.st_mtim.tv_nsec != before.st_mtim.tv_nsec {
            return .failure(.changedWhileReading)
        }
        return .success(FileDigest(path: entry.path, size: total, sha256: digest, head: head,
                                   mode: UInt32(before.st_mode)))
    }
}

/// Files listed and not yet taken, biggest first; workers wait on it until the walk has finished.
///
/// "Biggest" is by size class, the size's bit length: a file is taken before every file of a
/// smaller class, and among one class the first listed goes first. That is enough to start big
/// files early (no big file ends the run on one core), and taking a file costs a few integer
/// operations instead of a heap's sift over every file listed.
///
/// Each worker hands back the outcome of the file it took with its next `pop`, and the queue
/// keeps it at that file's listing position: the outcomes end up in listing order without being
/// gathered or copied afterwards.
final class WorkQueue: @unchecked Sendable {
    private struct State {
        /// Every file pushed, in order; taken ones are cleared.
        var entries: [FileEntry?] = []
        /// Each file's outcome, by position in `entries`, once handed back.
        var outcomes: [HashOutcome?] = []
        /// Positions in `entries` of the files not yet taken, by size class (bucket b holds the
        /// sizes of bit length b), each in order of pushes from `next[b]` on.
        var buckets = [[Int]](repeating: [], count: 64)
        var next = [Int](repeating: 0, count: 64)
        /// Bit b is set when bucket b has files not yet taken.
        var occupied: UInt64 = 0
        var finished = false
        var listed = 0
        var listedBytes: Int64 = 0
        var handedBack = 0
    }
    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)

    /// The size class of a file: its size's bit length, 0 for an empty file, at most 63.
    static func sizeClass(_ size: Int64) -> Int { Int64.bitWidth - max(0, size).leadingZeroBitCount }

    /// Files and bytes listed so far.
    var listed: (Int, Int64) { state.withLock { ($0.listed, $0.listedBytes) } }

    func push(_ entry: FileEntry) {
        state.withLock { state in
            let bucket = Self.sizeClass(entry.size)
            state.listed += 1
            state.listedBytes += entry.size
            state.buckets[bucket].append(state.entries.count)
            state.occupied |= 1 << UInt64(bucket)
            state.entries.append(entry)
            state.outcomes.append(nil)
        }
        available.signal()
    }

    /// No more pushes: lets every waiting worker see the end.
    func finish(wakingUp workers: Int) {
        state.withLock { $0.finished = true }
        for _ in 0..<workers { available.signal() }
    }

    /// Stores `finished` (the outcome of a file taken before) at its position, then takes the
    /// next file (see the type's comment) with its position in the order of pushes; nil once the
    /// walk has finished and nothing is left.
    func pop(handingBack finished: consuming (position: Int, outcome: HashOutcome)?) -> (position: Int, entry: FileEntry)? {
        var handedBack = finished.take()
        while true {
            available.wait()
            let (taken, finished): ((Int, FileEntry)?, Bool) = state.withLock { state in
                // Under the same lock as the taking, so a file costs one lock, not two.
                if let outcome = handedBack.take() {
                    precondition(state.entries[outcome.position] == nil && state.outcomes[outcome.position] == nil,
                                 "an outcome handed back for a file not taken, or twice")
                    state.outcomes[outcome.position] = outcome.outcome
                    state.handedBack += 1
                }
                guard state.occupied != 0 else { return (nil, state.finished) }
                let bucket = UInt64.bitWidth - 1 - state.occupied.leadingZeroBitCount
                let position = state.buckets[bucket][state.next[bucket]]
                state.next[bucket] += 1
                if state.next[bucket] == state.buckets[bucket].count {
                    state.buckets[bucket].removeAll(keepingCapacity: true)
                    state.next[bucket] = 0
                    state.occupied &= ~(1 << UInt64(bucket))
                }
                // The worker owns it now: moved out, the queue keeps nil in its place.
                guard let entry = state.entries[position].take() else { preconditionFailure("a position taken twice") }
                return ((position, entry), false)
            }
            if let taken { return taken }
            if finished {
                available.signal()  // pass the end on to the next waiting worker
                return nil
            }
        }
    }

    /// Every pushed file's outcome, in the order of pushes, moved out of the queue. Call once the
    /// workers are done: every file taken and every outcome handed back.
    func outcomes() -> [HashOutcome] {
        state.withLock { state in
            precondition(state.finished && state.occupied == 0 && state.handedBack == state.outcomes.count,
                         "outcomes asked for before every file was hashed")
            let count = state.outcomes.count
            return state.outcomes.withUnsafeMutableBufferPointer { slots in
                [HashOutcome](unsafeUninitializedCapacity: count) { buffer, initialized in
                    for index in 0..<count {
                        // take() moves the outcome out and leaves nil: nothing is copied or retained.
                        buffer.initializeElement(at: index, to: slots[index].take()!)
                    }
                    initialized = count
                }
            }
        }
    }
}

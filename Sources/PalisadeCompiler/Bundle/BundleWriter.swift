#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CSystem
import Dispatch
import PalisadeCrypto
import Synchronization

/// Writes bundles atomically: into a temporary folder beside the target, flushed to disk, then
/// swapped into place in one step (renameat2 RENAME_EXCHANGE). A failed or killed build leaves the
/// previous bundle exactly as it was; leftovers of a killed build are removed by the next one.
public struct BundleWriter: Sendable {
    public var outputDirectory: String
    /// Test hook: throw after writing this many files, as a disk-full or crash would.
    public var failAfterFiles: Int?

    /// Flushes staged files in the background while the build goes on (see ``EarlyFlush``).
    private let earlyFlush = EarlyFlush()
    /// Leftovers of killed builds, listed once (see ``Leftovers``).
    private let leftovers = Leftovers()

    public init(outputDirectory: String) { self.outputDirectory = outputDirectory }

    public struct WriteError: Error, CustomStringConvertible {
        public var path: String
        public var operation: String
        public var code: Int32
        public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
    }

    static let temporaryMarker = ".palisade-tmp-"

    /// The temporary-folder prefix for a customer: `.<id>.palisade-tmp-`.
    static func temporaryPrefix(_ id: String) -> String { "." + id + temporaryMarker }

    public func write(_ bundle: BundleContents) throws { try write([bundle]) }

    /// Writes several bundles: each into its temporary folder (in parallel), then one flush of the
    /// file system for all of them, then each swapped into place. Every customer's swap is atomic
    /// on its own; if any bundle cannot be staged, none is replaced.
    public func write(_ bundles: [BundleContents]) throws {
        let staged = Parallel.map(bundles) { bundle in Result { try stage(bundle) } }
        var ready: [Staged] = []
        var firstError: (any Error)?
        for result in staged {
            switch result {
            case .success(let bundle): ready.append(bundle)
            case .failure(let error): firstError = firstError ?? error
            }
        }
        if let firstError {
            discard(ready)
            throw firstError
        }
        try commit(ready)
    }

    /// A bundle written into its temporary folder, not yet in place.
    public struct Staged: Sendable {
        public var customerID: String
        var temporary: String
        var target: String
    }

    /// Writes `bundle` into a fresh temporary folder beside its target (nothing is flushed or
    /// replaced yet): the first half of ``write(_:)-swift.method``, for callers that stage each
    /// bundle as soon as it is compiled. Safe to call from several threads for different customers.
    public func stage(_ bundle: BundleContents) throws -> Staged {
        try makeDirectories(outputDirectory)
        let (temporary, target) = try stageFiles(bundle)
        earlyFlush.staged(bytes: bundle.files.values.reduce(0) { $0 + $1.count }, in: outputDirectory)
        return Staged(customerID: bundle.customerID, temporary: temporary, target: target)
    }

    /// Flushes every staged folder to disk in one `syncfs`, then swaps each into place. On an
    /// error, bundles already swapped stay new and the rest keep their previous contents.
    public func commit(_ staged: [Staged]) throws {
        let staged = staged.sorted { $0.customerID < $1.customerID }
        var next = 0
        do {
            try makeDirectories(outputDirectory)
            earlyFlush.wait()
            try syncFileSystem(outputDirectory)
            var previous: [String] = []  // temporary folders that now hold a previous bundle
            while next < staged.count {
                let bundle = staged[next]
                if access(bundle.target, F_OK) == 0 {
                    try check(palisade_rename_exchange(bundle.temporary, bundle.target), "swap", bundle.target)
                    previous.append(bundle.temporary)
                } else {
                    try check(rename(bundle.temporary, bundle.target), "rename", bundle.target)
                }
                next += 1
            }
            try syncDirectory(outputDirectory)
            for temporary in previous { try removeTree(temporary) }
        } catch {
            discard(Array(staged[next...]))
            throw error
        }
    }

    /// Removes staged folders that will not be committed (a build that found errors).
    public func discard(_ staged: [Staged]) {
        for bundle in staged { try? removeTree(bundle.temporary) }
    }

    /// Writes `bundle` into a fresh temporary folder beside its target; returns both paths.
    private func stageFiles(_ bundle: BundleContents) throws -> (temporary: String, target: String) {
        removeLeftovers(of: bundle.customerID)
        let target = outputDirectory + "/" + bundle.customerID
        let temporary = outputDirectory + "/" + Self.temporaryPrefix(bundle.customerID) + String(getpid())
        try? removeTree(temporary)
        do {
            try check(mkdir(temporary, 0o755), "mkdir", temporary)
            var written = 0
            var folders: Set<Substring> = []  // made inside `temporary` so far
            for path in bundle.files.keys.sorted() {
                if let limit = failAfterFiles, written >= limit {
                    throw WriteError(path: temporary + "/" + path, operation: "write (injected failure)", code: EIO)
                }
                // Each folder on the way once, relative to the fresh temporary folder.
                var end = path.startIndex
                while let slash = path[end...].firstIndex(of: "/") {
                    if folders.insert(path[..<slash]).inserted {
                        let folder = temporary + "/" + path[..<slash]
                        if mkdir(folder, 0o755) != 0 && errno != EEXIST {
                            throw WriteError(path: folder, operation: "mkdir", code: errno)
                        }
                    }
                    end = path.index(after: slash)
                }
                try writeFile(temporary + "/" + path, bundle.files[path]!)
                written += 1
            }
            return (temporary, target)
        } catch {
            try? removeTree(temporary)
            throw error
        }
    }

    /// Removes a customer's bundle folder (a customer that no longer exists).
    public func removeBundle(_ id: String) throws {
        guard CustomerIDCheck.problem(with: id) == nil else { return }
        try removeTree(outputDirectory + "/" + id)
    }

    /// Removes temporary folders that a killed build of this customer left behind.
    func removeLeftovers(of id: String) {
        for name in leftovers.take(prefix: Array(Self.temporaryPrefix(id).utf8), in: outputDirectory) {
            try? removeTree(outputDirectory + "/" + String(decoding: name, as: UTF8.self))
        }
    }

    /// The output folder's hidden entries (where killed builds leave their temporary folders),
    /// listed when the first bundle is staged and handed out by customer: listing the folder for
    /// every customer made staging quadratic in the number of customers.
    final class Leftovers: @unchecked Sendable {
        private let names = Mutex<[[UInt8]]?>(nil)

        /// The listed names that start with `prefix`, each handed out once.
        func take(prefix: [UInt8], in directory: String) -> [[UInt8]] {
            names.withLock { names in
                if names == nil {
                    guard case .success(let all) = TreeWalker().readDirectory(RawPath(directory)) else { return [] }
                    names = all.filter { $0.first == UInt8(ascii: ".") }
                }
                let matching = names!.filter { $0.starts(with: prefix) }
                if !matching.isEmpty { names!.removeAll { $0.starts(with: prefix) } }
                return matching
            }
        }
    }

    private func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
        try check(fd, "create", path)
        defer { close(fd) }
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw WriteError(path: path, operation: "write", code: errno)
                }
                offset += n
            }
        }
    }

    /// Flushes the file system holding `path`: every staged file at once (syncfs), instead of
    /// an fsync per file.
    private func syncFileSystem(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        try check(fd, "open", path)
        defer { close(fd) }
        try check(palisade_syncfs(fd), "syncfs", path)
    }

    /// Flushes the file system in the background once enough has been staged since the last
    /// flush, one flush at a time, so that the disk writes while the compiler computes and the
    /// `syncfs` before the swap has little left to wait for. Only an optimisation: commit still
    /// flushes everything itself before any bundle is swapped in, whatever happened here.
    final class EarlyFlush: @unchecked Sendable {
        /// How many bytes must be staged after one flush began before the next one starts.
        static let threshold = 96 << 20
        private struct State { var pending = 0; var running = false }
        private let state = Mutex(State())
        private let group = DispatchGroup()

        func staged(bytes: Int, in directory: String) {
            let start = state.withLock { state -> Bool in
                state.pending += bytes
                guard !state.running, state.pending >= Self.threshold else { return false }
                state.pending = 0
                state.running = true
                return true
            }
            guard start else { return }
            DispatchQueue.global(qos: .utility).async(group: group) { [self] in
                let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                if fd >= 0 {
                    _ = palisade_syncfs(fd)
                    close(fd)
                }
                state.withLock { $0.running = false }
            }
        }

        /// Returns once no background flush is running.
        func wait() { group.wait() }
    }

    private func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        try check(fd, "open", path)
        defer { close(fd) }
        _ = fsync(fd)
    }

    func makeDirectories(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw WriteError(path: current, operation: "mkdir", code: errno)
            }
        }
    }

    /// Removes a folder and everything in it, without following symbolic links.
    func removeTree(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            if case .success(let names) = TreeWalker().readDirectory(RawPath(path)) {
                for name in names { try removeTree(path + "/" + String(decoding: name, as: UTF8.self)) }
            }
            try check(rmdir(path), "rmdir", path)
        } else {
            try check(unlink(path), "unlink", path)
        }
    }

    private func check(_ result: Int32, _ operation: String, _ path: String) throws {
        if result < 0 { throw WriteError(path: path, operation: operation, code: errno) }
    }
}

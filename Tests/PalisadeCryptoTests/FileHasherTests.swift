import Foundation
import PalisadeTestSupport
import Synchronization
import Testing
@testable import PalisadeCrypto

@Suite("File-hashing engine")
struct FileHasherTests {
    /// The index sort against sorting the outcomes themselves, on random paths with repeats
    /// (equal paths keep their order) and prefixes of one another.
    @Test(arguments: 0..<10) func outcomesSortByPathBytesStably(seed: Int) {
        var random = SplitMix(seed: UInt64(seed))
        let names: [[UInt8]] = [[], [0x61], [0x61, 0x2F, 0x62], [0x61, 0x2D], [0xFF], [0x61, 0x00], [0x7A, 0x7A, 0x7A]]
        let problems: [FileProblem] = [.notFound, .permissionDenied, .symlink, .symlinkLoop, .isDirectory]
        let outcomes = (0..<Int.random(in: 0...300, using: &random)).map { _ in
            HashOutcome(path: RawPath(bytes: [0x2F] + names.randomElement(using: &random)! + names.randomElement(using: &random)!),
                        result: .failure(problems.randomElement(using: &random)!))
        }
        let expected = outcomes.enumerated().sorted { a, b in
            a.element.path != b.element.path ? a.element.path < b.element.path : a.offset < b.offset
        }.map(\.element)
        let got = FileHasher.sortedByPath(outcomes)
        #expect(got.map(\.path) == expected.map(\.path), "seed \(seed)")
        #expect(got.map(\.problem) == expected.map(\.problem), "seed \(seed): equal paths keep their order")
    }

    /// The walk lists a tree in path byte order: a directory's subtree comes where `name/` sorts
    /// among its siblings ('-' and '.' sort before '/', '0' after it).
    @Test func theWalkListsFilesInPathByteOrder() throws {
        let dir = try TemporaryDirectory()
        for name in ["a/x/q", "a/x-y/z", "a/x.y", "a/x0", "a-b", "a.c/y/z", "a.c/y-", "a0", "b"] {
            try dir.write(name, name)
        }
        var order: [RawPath] = []
        TreeWalker().walk([RawPath(dir.path)], recursive: true, found: { order.append($0.path) }, problem: { _ in })
        let listing = TreeWalker().walk([RawPath(dir.path)], recursive: true)
        #expect(order.count == 9)
        #expect(order == order.sorted(), "\(order.map(\.description))")
        #expect(order == listing.files.map(\.path))
    }

    /// Results are in path order however the operands are given, problems among them.
    @Test func resultsAreInPathOrderWhateverTheOperandOrder() throws {
        let dir = try TemporaryDirectory()
        for name in ["m/a", "m/b-c", "m/b/d", "z/e", "c"] { try dir.write(name, name) }
        mkfifo(dir.path + "/m/b/fifo", 0o600)
        symlink("a", dir.path + "/m/link")
        let cases: [(operands: [String], files: [String], problems: [String])] = [
            (["z", "m", "c"], ["c", "m/a", "m/b-c", "m/b/d", "z/e"], ["m/b/fifo", "m/link"]),
            (["c", "m", "z"], ["c", "m/a", "m/b-c", "m/b/d", "z/e"], ["m/b/fifo", "m/link"]),
            // Operands inside one another: what they share is listed twice (sha256sum would hash it
            // twice), not reported as a loop.
            (["m/b", "m"], ["m/a", "m/b-c", "m/b/d", "m/b/d"], ["m/b/fifo", "m/b/fifo", "m/link"]),
        ]
        for (operands, files, problems) in cases {
            let outcomes = FileHasher(workers: 2).hash(operands.map { RawPath(dir.path + "/" + $0) }, recursive: true)
            let paths = outcomes.map(\.path)
            #expect(paths == paths.sorted(), "\(operands)")
            #expect(outcomes.filter { $0.digest != nil }.map(\.path.description) == files.map { dir.path + "/" + $0 }, "\(operands)")
            #expect(outcomes.filter { $0.problem != nil }.map(\.path.description) == problems.map { dir.path + "/" + $0 }, "\(operands)")
        }
    }

    /// The work queue hands out a file of the biggest size class left (the first listed among
    /// them), and outcomes handed back by several threads, in whatever order they finish, come
    /// out in the order the files were pushed.
    @Test(arguments: 0..<10) func workQueueHandsOutBiggestFirstAndKeepsOutcomesInPushOrder(seed: Int) throws {
        var random = SplitMix(seed: UInt64(seed))
        let count = Int.random(in: 1...500, using: &random)
        let workers = seed == 0 ? 1 : Int.random(in: 1...5, using: &random)
        // Sizes around powers of two, so that files of one class differ in size.
        let sizes = (0..<count).map { _ -> Int64 in
            let bits = Int64.random(in: 0...40, using: &random)
            return bits == 0 ? 0 : (Int64(1) << (bits - 1)) + Int64.random(in: 0...(Int64(1) << (bits - 1)) - 1, using: &random)
        }
        // On a thread of its own with a deadline: a deadlock in the queue fails here.
        let run = try #require(result(within: 60) { () -> (order: [[Int]], early: Int, mislabelled: Int, outcomes: [RawPath]) in
            let queue = WorkQueue()
            var ready: [HashOutcome] = []
            for (position, size) in sizes.enumerated() {
                queue.push(.file(FileEntry(path: RawPath("/f\(position)"), size: size, device: 1, inode: UInt64(position),
                                           mode: 0o644, viaSymlink: false)), within: .max, ready: &ready)
            }
            let early = ready.count
            queue.finish()
            // Every file is pushed before any is taken, so each thread sees its (class, position)
            // pairs only ever go down in class and, within a class, up in position.
            let taken = Mutex([[Int]](repeating: [], count: workers))
            let mislabelled = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var mine: [Int] = []
                var finished: (position: Int, outcome: HashOutcome)? = nil
                while let (position, entry) = queue.pop(handingBack: finished.take()) {
                    if entry.path != RawPath("/f\(position)") { mislabelled.add(1, ordering: .relaxed) }
                    mine.append(position)
                    finished = (position, HashOutcome(path: entry.path, result: .failure(.notFound)))
                }
                taken.withLock { $0[worker] = mine }
            }
            while queue.waitForReady(into: &ready) {}
            return (taken.withLock { $0 }, early, mislabelled.load(ordering: .relaxed), ready.map(\.path))
        }, "seed \(seed): the queue did not finish within 60 s")
        #expect(run.early == 0, "seed \(seed): no outcome before any file is taken")
        #expect(run.mislabelled == 0, "seed \(seed): each file handed out with its own position")
        #expect(run.order.joined().sorted() == Array(0..<count), "seed \(seed): each file taken once")
        for positions in run.order {
            let keys = positions.map { (WorkQueue.sizeClass(sizes[$0]), $0) }
            #expect(zip(keys, keys.dropFirst()).allSatisfy { $0.0 > $1.0 || $0.0 == $1.0 && $0.1 < $1.1 }, "seed \(seed)")
        }
        if workers == 1 {
            let expected = (0..<count).sorted { (WorkQueue.sizeClass(sizes[$0]), -$0) > (WorkQueue.sizeClass(sizes[$1]), -$1) }
            #expect(run.order[0] == expected, "seed \(seed)")
        }
        #expect(run.outcomes == (0..<count).map { RawPath("/f\($0)") }, "seed \(seed)")
    }

    /// With a window, the pushing thread never has more than `window` positions in flight, and it
    /// gets every outcome (files hashed by the workers, problems pushed done) in push order while
    /// the workers hand them back in whatever order they finish.
    @Test(arguments: [1, 2, 7, 64]) func workQueueKeepsAtMostTheWindowInFlight(window: Int) throws {
        let count = 1_000
        // On a thread of its own with a deadline: a deadlock in the queue fails here.
        let run = try #require(result(within: 60) { () -> (received: [HashOutcome], mostInFlight: Int) in
            let queue = WorkQueue()
            let workers = 3
            let group = DispatchGroup()
            for _ in 0..<workers {
                DispatchQueue.global().async(group: group) {
                    var finished: (position: Int, outcome: HashOutcome)? = nil
                    while let (position, entry) = queue.pop(handingBack: finished.take()) {
                        if position % 5 == 0 { usleep(50) }  // uneven finishing times
                        finished = (position, HashOutcome(path: entry.path, result: .failure(.notFound)))
                    }
                }
            }
            var ready: [HashOutcome] = []
            var received: [HashOutcome] = []
            var mostInFlight = 0
            for index in 0..<count {
                let path = RawPath("/f\(index)")
                let item: WorkQueue.Item = index % 3 == 0
                    ? .done(HashOutcome(path: path, result: .failure(.symlink)))
                    : .file(FileEntry(path: path, size: Int64(index * 997 % 5000), device: 1, inode: UInt64(index),
                                      mode: 0o644, viaSymlink: false))
                queue.push(item, within: window, ready: &ready)
                mostInFlight = max(mostInFlight, queue.inFlight)
                received += ready
                ready.removeAll()
            }
            queue.finish()
            while queue.waitForReady(into: &ready) {}
            received += ready
            group.wait()
            return (received, mostInFlight)
        }, "window \(window): the queue did not finish within 60 s")
        #expect(run.mostInFlight <= window)
        #expect(run.received.map(\.path) == (0..<count).map { RawPath("/f\($0)") })
        #expect(run.received.map(\.problem) == (0..<count).map { $0 % 3 == 0 ? .symlink : .notFound })
    }

    /// A window as small as one file changes nothing in the results: the same outcomes in the
    /// same order as with room for every file, with a big file first and problems among them;
    /// and `emit` sees them in that order as they come.
    @Test func aSmallWindowGivesTheSameOutcomes() throws {
        let dir = try TemporaryDirectory()
        _ = try dir.write(Array("a-big".utf8), [UInt8](repeating: 7, count: 3 << 20))
        for index in 0..<150 { try dir.write("d\(index % 7)/f\(index)", "file \(index)") }
        mkfifo(dir.path + "/d3/fifo", 0o600)
        symlink("nowhere", dir.path + "/d5/dangling")
        let operands = [RawPath(dir.path)]
        let windows = [1 << 20, 1, 2, 16]
        // On a thread of its own with a deadline: a deadlock in the engine fails here.
        let runs = try #require(result(within: 60) {
            windows.map { window in
                var emitted: [HashOutcome] = []
                FileHasher(workers: 2, window: window).hash(operands, recursive: true) { emitted.append($0) }
                return emitted
            }
        }, "the engine did not finish within 60 s")
        let roomy = runs[0]
        #expect(roomy.count == 153)
        let paths = roomy.map(\.path)
        #expect(paths == paths.sorted())
        for (window, emitted) in zip(windows, runs).dropFirst() {
            #expect(emitted.map(\.path) == paths, "window \(window)")
            #expect(emitted.map(\.digest?.sha256) == roomy.map(\.digest?.sha256), "window \(window)")
            #expect(emitted.map(\.problem) == roomy.map(\.problem), "window \(window)")
        }
    }

    /// Operands are walked in the order of the paths they can list, a directory's as its path
    /// with a `/`; no order exists when one directory operand holds another or is named twice.
    @Test func operandsAreOrderedAsTheirPathsAre() throws {
        let dir = try TemporaryDirectory()
        for name in ["m/a", "m/b/d", "m-x", "c", "z/e", "l-x"] { try dir.write(name, name) }
        symlink("z", dir.path + "/l")
        func order(_ operands: [String], recursive: Bool = true, symlinks: SymlinkPolicy = .operands) -> [String]? {
            TreeWalker(symlinks: symlinks).pathOrder(of: operands.map { RawPath(dir.path + "/" + $0) }, recursive: recursive)?
                .map { String($0.description.dropFirst(dir.path.count + 1)) }
        }
        #expect(order(["z", "m", "m-x", "c"]) == ["c", "m-x", "m", "z"])  // '-' sorts before '/'
        #expect(order(["m/b", "m"]) == nil)
        #expect(order(["m", "m"]) == nil)
        #expect(order(["m/", "m/b"]) == nil)
        #expect(order(["m", "m/"]) == nil)
        #expect(order(["c", "c"]) == ["c", "c"])  // a file named twice is one path, listed twice
        #expect(order(["does-not-exist", "c"]) == ["c", "does-not-exist"])
        // A link operand that is followed lists as the directory it leads to; one that is not,
        // as the link alone.
        #expect(order(["l", "l-x"]) == ["l-x", "l"])
        #expect(order(["l", "l-x"], symlinks: .never) == ["l", "l-x"])
        // Without --recursive a directory is only reported: nothing of it can interleave.
        #expect(order(["m/b", "m"], recursive: false) == ["m", "m/b"])
    }

    /// Following every link, a link to a directory is walked as the directory: its files come
    /// where `link/` sorts among its siblings, so the walk stays in path byte order.
    @Test func linksFollowedIntoDirectoriesKeepTheWalkInPathOrder() throws {
        let dir = try TemporaryDirectory()
        for name in ["t/f", "l-x", "l0"] { try dir.write(name, name) }
        symlink("t", dir.path + "/l")
        var order: [RawPath] = []
        TreeWalker(symlinks: .always).walk([RawPath(dir.path)], recursive: true, found: { order.append($0.path) },
                                           problem: { _ in })
        #expect(order.map { String($0.description.dropFirst(dir.path.count + 1)) } == ["l-x", "l/f", "l0"])
    }

    @Test func sizeClassIsTheBitLength() {
        #expect([0, 1, 2, 3, 4, 1023, 1024, Int64.max].map(WorkQueue.sizeClass) == [0, 1, 2, 2, 3, 10, 11, 63])
    }

    @Test func hashesInDeterministicSortedOrder() throws {
        let dir = try TemporaryDirectory()
        var expected: [String: String] = [:]
        for i in (0..<200).shuffled() {
            let name = "d\(i % 7)/f\(i)"
            let contents = String(repeating: "x", count: i * 37)
            try dir.write(name, contents)
            expected["\(dir.path)/\(name)"] = SHA256.hash(Array(contents.utf8)).hex
        }
        let first = FileHasher(workers: 4).hash([RawPath(dir.path)], recursive: true)
        let second = FileHasher(workers: 1).hash([RawPath(dir.path)], recursive: true)
        #expect(first.map(\.path) == second.map(\.path))
        #expect(first.map(\.path) == first.map(\.path).sorted())
        #expect(first.count == 200)
        for outcome in first {
            #expect(outcome.digest?.sha256.hex == expected[outcome.path.description])
        }
    }

    @Test func fileRemovedBetweenListingAndReadingIsReported() throws {
        let dir = try TemporaryDirectory()
        try dir.write("keep", "a")
        let gone = try dir.write("gone", "b")
        let listing = TreeWalker().walk([RawPath(dir.path)], recursive: true)
        #expect(listing.files.count == 2)
        try FileManager.default.removeItem(atPath: gone)
        let outcomes = FileHasher().hash(entries: listing.files)
        #expect(outcomes.first { $0.path.description == gone }?.problem == .notFound)
        #expect(outcomes.first { $0.path.description.hasSuffix("keep") }?.digest != nil)
    }

    @Test func fileReplacedAfterListingIsReportedChanged() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("swapped", "original")
        let listing = TreeWalker().walk([RawPath(path)], recursive: false)
        // Keep the original inode alive so the replacement cannot reuse its number.
        #expect(link(path, "\(dir.path)/original") == 0)
        let replacement = try dir.write("replacement", "replacement")
        #expect(rename(replacement, path) == 0)
        let outcome = try #require(FileHasher().hash(entries: listing.files).first)
        #expect(outcome.problem == .changedWhileReading)
    }

    @Test func fileGrowingWhileReadIsReportedChangedNotHashed() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("growing", "")
        // A large sparse file takes a while to read; a writer appends to it meanwhile.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 512 << 20)
        let stop = StopFlag()
        let writer = Thread {
            let appender = FileHandle(forWritingAtPath: path)!
            while !stop.isSet {
                appender.seekToEndOfFile()
                appender.write(Data([0x41]))
                usleep(200)
            }
            try? appender.close()
        }
        writer.start()
        defer { stop.set() }
        var sawChange = false
        for _ in 0..<20 where !sawChange {
            let outcome = try #require(result(within: 60) { FileHasher(workers: 1).hash([RawPath(path)], recursive: false)[0] },
                                       "the engine did not finish within 60 s")
            if outcome.problem == .changedWhileReading { sawChange = true }
            // Whatever happened, a changing file never gets a hash of bytes that did not exist.
            #expect(outcome.problem == .changedWhileReading || outcome.digest != nil)
        }
        stop.set()
        #expect(sawChange)
    }

    /// The engine runs on a thread of its own with a deadline (``result(within:of:)``): opening a
    /// FIFO for reading would block forever, which `.timeLimit` could not interrupt.
    @Test func specialFilesAreReportedAndNeverOpened() throws {
        let dir = try TemporaryDirectory()
        try dir.write("regular", "r")
        #expect(mkfifo("\(dir.path)/fifo", 0o644) == 0)
        try bindSocket(at: "\(dir.path)/socket")
        #expect(symlink("loop-b", "\(dir.path)/loop-a") == 0)
        #expect(symlink("loop-a", "\(dir.path)/loop-b") == 0)
        #expect(symlink("regular", "\(dir.path)/link") == 0)

        let root = RawPath(dir.path)
        let outcomes = try #require(result(within: 60) { FileHasher().hash([root], recursive: true, symlinks: .never) },
                                    "the engine did not finish within 60 s")
        let byName = Dictionary(uniqueKeysWithValues: outcomes.map { ($0.path.lastComponent, $0) })
        #expect(byName[Array("fifo".utf8)]?.problem == .notRegularFile(.fifo))
        #expect(byName[Array("socket".utf8)]?.problem == .notRegularFile(.socket))
        #expect(byName[Array("loop-a".utf8)]?.problem == .symlink)
        #expect(byName[Array("link".utf8)]?.problem == .symlink)
        #expect(byName[Array("regular".utf8)]?.digest != nil)

        let followed = try #require(result(within: 60) { FileHasher().hash([root], recursive: true, symlinks: .always) },
                                    "the engine did not finish within 60 s")
        let followedByName = Dictionary(uniqueKeysWithValues: followed.map { ($0.path.lastComponent, $0) })
        #expect(followedByName[Array("loop-a".utf8)]?.problem == .symlinkLoop)
        #expect(followedByName[Array("link".utf8)]?.digest?.sha256 == SHA256.hash(Array("r".utf8)))

        // A character device named directly is reported, not read.
        let device = try #require(result(within: 60) { FileHasher().hash([RawPath("/dev/zero")], recursive: false) },
                                  "the engine did not finish within 60 s")
        #expect(device.first?.problem == .notRegularFile(.characterDevice))
    }

    @Test func directoryCycleThroughSymlinkIsReportedOnce() throws {
        let dir = try TemporaryDirectory()
        try dir.write("a/file", "x")
        #expect(symlink("..", "\(dir.path)/a/up") == 0)
        let outcomes = FileHasher().hash([RawPath(dir.path)], recursive: true, symlinks: .always)
        #expect(outcomes.filter { $0.digest != nil }.count == 1)
        #expect(outcomes.contains { $0.problem == .symlinkLoop })
    }

    @Test func veryDeepTreeIsWalkedWithoutRecursion() throws {
        let dir = try TemporaryDirectory()
        var current = dir.path
        for _ in 0..<1500 {  // 3,000 bytes of path: deep, still under PATH_MAX
            current += "/d"
            #expect(mkdir(current, 0o755) == 0)
        }
        let leaf = current + "/leaf"
        #expect(FileManager.default.createFile(atPath: leaf, contents: Data("deep".utf8)))
        let outcomes = FileHasher().hash([RawPath(dir.path)], recursive: true)
        #expect(outcomes.count == 1)
        #expect(outcomes.first?.path.description == leaf)
        #expect(outcomes.first?.digest?.sha256 == SHA256.hash(Array("deep".utf8)))
    }

    @Test func firstBytesAreKeptForTypeDetection() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("script", "#!/bin/sh\necho hi\n", mode: 0o755)
        let digest = try #require(FileHasher().hash([RawPath(path)], recursive: false).first?.digest)
        #expect(digest.head.starts(with: Array("#!".utf8)))
        #expect(digest.mode & 0o111 != 0)
    }

    /// Kernel files say nothing of their content by their size (/proc: 0 bytes, sysfs: 4096):
    /// they are read to their end and hashed, as sha256sum does, not reported as changed. Files
    /// of an ordinary file system hashed by the same worker before and after them keep the size
    /// check.
    @Test(.enabled(if: FileManager.default.isReadableFile(atPath: "/sys/devices/system/cpu/online"),
                   "needs sysfs mounted"))
    func kernelFilesAreReadToTheirEnd() throws {
        let kernelFiles = ["/proc/version", "/sys/devices/system/cpu/online"]
        var expected: [String: [UInt8]] = [:]
        for path in kernelFiles {
            let contents = try #require(FileManager.default.contents(atPath: path))
            #expect(!contents.isEmpty)
            var size = stat()
            #expect(stat(path, &size) == 0)
            #expect(Int(size.st_size) != contents.count, "\(path): its size is its length; the test shows nothing")
            expected[path] = Array(contents)
        }
        let dir = try TemporaryDirectory()
        expected[try dir.write("a", "before")] = Array("before".utf8)
        expected[try dir.write("z", "after")] = Array("after".utf8)
        // One worker, from an ordinary file to a kernel file and back, twice: what it learnt of
        // one file system must not carry over to the next.
        let worker = FileHasher.Worker(bufferSize: 4096)
        for path in [dir.path + "/a", kernelFiles[1], dir.path + "/z", kernelFiles[0], dir.path + "/a"] {
            let entry = try #require(TreeWalker().walk([RawPath(path)], recursive: false).files.first)
            let digest = try FileHasher().hashOne(entry, follow: false, worker: worker).get()
            let contents = try #require(expected[path])
            #expect(digest.sha256 == SHA256.hash(contents), "\(path)")
            #expect(digest.size == Int64(contents.count), "\(path)")
            #expect(worker.sizesAreLengths == path.hasPrefix(dir.path), "\(path)")
        }
        // Through the whole engine, several workers.
        let outcomes = FileHasher(workers: 3).hash(kernelFiles.map { RawPath($0) } + [RawPath(dir.path)], recursive: true)
        #expect(outcomes.count == 4)
        for outcome in outcomes {
            let digest = try #require(outcome.digest, "\(outcome.path): \(String(describing: outcome.problem))")
            #expect(digest.sha256 == SHA256.hash(try #require(expected[outcome.path.description])), "\(outcome.path)")
        }
    }

    /// The first 64 bytes exactly; none when not wanted, with the same hash, from a file and from
    /// a stream.
    @Test func headsAreTheFirst64BytesOrNoneWhenNotKept() throws {
        let dir = try TemporaryDirectory()
        let contents = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        try dir.write(Array("file".utf8), contents)
        let path = dir.path + "/file"
        let kept = try #require(FileHasher(bufferSize: 4096).hash([RawPath(path)], recursive: false).first?.digest)
        #expect(kept.head == Array(contents.prefix(64)))
        #expect(kept.sha256 == SHA256.hash(contents))
        let dropped = try #require(FileHasher(keepsHeads: false).hash([RawPath(path)], recursive: false).first?.digest)
        #expect(dropped.head.isEmpty)
        #expect(dropped.sha256 == kept.sha256)
        let descriptor = open(path, O_RDONLY)
        defer { close(descriptor) }
        let stream = try #require(FileHasher(keepsHeads: false).hash(stream: descriptor, as: RawPath("-")).digest)
        #expect(stream.head.isEmpty)
        #expect(stream.sha256 == kept.sha256)
        #expect(stream.size == Int64(contents.count))
    }
}

final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}

/// Creates a listening UNIX socket file at `path`.
func bindSocket(at path: String) throws {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        for (i, b) in bytes.enumerated() where i < raw.count - 1 { raw[i] = b }
    }
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard result == 0 else { throw POSIXError(.EADDRINUSE) }
    listen(fd, 1)
}

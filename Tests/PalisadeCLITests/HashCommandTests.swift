import Foundation
import PalisadeTestSupport
import Testing

/// `palisade hash` against GNU sha256sum on the same files.
@Suite("palisade hash")
struct HashCommandTests {
    /// Names that break naive tools: spaces, a newline, a carriage return, a backslash, non-UTF-8.
    static let hostileNames: [[UInt8]] = [
        Array("plain.txt".utf8),
        Array("with space".utf8),
        Array("new\nline".utf8),
        Array("carriage\rreturn".utf8),
        Array("back\\slash".utf8),
        Array("both\\and\nnewline".utf8),
        [0x6C, 0x61, 0x74, 0x69, 0x6E, 0x31, 0xE9],  // "latin1é" in ISO-8859-1: not UTF-8
        Array("caf\u{e9}-utf8".utf8),
        Array("sub dir/nested file".utf8),
        Array("empty".utf8),
        Array("big".utf8),
    ]

    func makeTree() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        var generator = SystemRandomNumberGenerator()
        for name in Self.hostileNames {
            let contents: [UInt8]
            switch String(decoding: name, as: UTF8.self) {
            case "empty": contents = []
            case "big": contents = (0..<(3 << 20) + 17).map { _ in UInt8.random(in: 0...255, using: &generator) }
            default: contents = Array("contents of \(name)".utf8)
            }
            try dir.write(name, contents)
        }
        return dir
    }

    @Test func outputIsByteIdenticalToSha256sumAndPassesCheck() throws {
        let dir = try makeTree()
        let ours = try run(Paths.palisade, ["hash", "-r", "."], cwd: dir.path)
        #expect(ours.status == 0, "stderr: \(ours.err)")
        #expect(ours.stderr.isEmpty)

        // sha256sum over the same files, in the same (byte-sorted) order.
        let listed = try run("/usr/bin/find", [".", "-type", "f", "-print0"], cwd: dir.path)
        var names = listed.stdout.split(separator: 0).map { Array($0) }
        names.sort { $0.lexicographicallyPrecedes($1) }
        #expect(names.count == Self.hostileNames.count)
        let gnu = try run("/usr/bin/xargs", ["-0", "sha256sum", "--"], cwd: dir.path,
                          stdin: Data(names.joined(separator: [0]) + [0]))
        #expect(gnu.status == 0)
        #expect(ours.stdout == gnu.stdout)

        let check = try run("/usr/bin/sha256sum", ["-c", "--strict", "-"], cwd: dir.path, stdin: ours.stdout)
        #expect(check.status == 0, "sha256sum -c: \(check.out) \(check.err)")
    }

    @Test func jsonFormatListsFilesAndKeepsNonUTF8Bytes() throws {
        let dir = try makeTree()
        let result = try run(Paths.palisade, ["hash", "-r", "--format", "json", "."], cwd: dir.path)
        #expect(result.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let files = try #require(document["files"] as? [[String: Any]])
        #expect(files.count == Self.hostileNames.count)
        let latin = try #require(files.first { ($0["pathHex"] as? String) != nil })
        #expect(latin["pathHex"] as? String == "2e2f6c6174696e31e9")
        let empty = try #require(files.first { $0["path"] as? String == "./empty" })
        #expect(empty["sha256"] as? String == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(empty["size"] as? Int == 0)
    }

    /// Operands in any order, one inside another, one named twice: the lines are sha256sum's for
    /// the same paths in byte order, what two operands share listed once for each.
    @Test func operandsInAnyOrderGiveLinesInPathOrder() throws {
        let dir = try TemporaryDirectory()
        for name in ["m/a", "m/b/c", "m/b-d", "m/e", "m0", "z/y"] { _ = try dir.write(name, name) }
        let cases: [(operands: [String], paths: [String])] = [
            (["z", "m0", "m"], ["m/a", "m/b-d", "m/b/c", "m/e", "m0", "z/y"]),
            (["m/b", "m"], ["m/a", "m/b-d", "m/b/c", "m/b/c", "m/e"]),
            (["m", "m/b"], ["m/a", "m/b-d", "m/b/c", "m/b/c", "m/e"]),
            (["m0", "m", "m0"], ["m/a", "m/b-d", "m/b/c", "m/e", "m0", "m0"]),
        ]
        for (operands, paths) in cases {
            let ours = try run(Paths.palisade, ["hash", "-r"] + operands, cwd: dir.path)
            let gnu = try run("/usr/bin/sha256sum", paths, cwd: dir.path)
            #expect(ours.status == 0, "\(operands): \(ours.err)")
            #expect(ours.out == gnu.out, "\(operands)")
        }
    }

    /// The JSON document, written out as files come, is laid out exactly as JSONEncoder (sorted
    /// keys, pretty printed) lays out the same content: with problems, and with empty lists.
    @Test func jsonIsLaidOutAsJSONEncoderLaysItOut() throws {
        struct Document: Codable {
            struct File: Codable { var path: String; var pathHex: String?; var sha256: String; var size: Int64 }
            struct Problem: Codable { var message: String; var path: String; var pathHex: String?; var problem: String }
            var files: [File]
            var problems: [Problem]
        }
        let dir = try makeTree()
        #expect(mkfifo("\(dir.path)/fifo", 0o644) == 0)
        #expect(mkfifo("\(dir.path)/\u{1}fifo\\", 0o644) == 0)
        try FileManager.default.createDirectory(atPath: "\(dir.path)/empty dir", withIntermediateDirectories: false)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        for operands in [["."], ["fifo"], ["empty dir"]] {
            let result = try run(Paths.palisade, ["hash", "-r", "--format", "json"] + operands, cwd: dir.path)
            let document = try JSONDecoder().decode(Document.self, from: result.stdout)
            #expect(document.files.count == (operands == ["."] ? Self.hostileNames.count : 0), "\(operands)")
            #expect(document.problems.count == (operands == ["."] ? 2 : operands == ["fifo"] ? 1 : 0), "\(operands)")
            #expect(result.stdout == (try encoder.encode(document)) + [0x0A], "\(operands)")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func hostileFilesAreReportedWithoutHanging() throws {
        let dir = try TemporaryDirectory()
        try dir.write("good", "good")
        #expect(mkfifo("\(dir.path)/fifo", 0o644) == 0)
        #expect(symlink("loop2", "\(dir.path)/loop1") == 0)
        #expect(symlink("loop1", "\(dir.path)/loop2") == 0)
        let socketMaker = try run("/usr/bin/python3", ["-c", "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])", "\(dir.path)/socket"])
        #expect(socketMaker.status == 0)

        let result = try run(Paths.palisade, ["hash", "-r", "-L", dir.path], timeout: 60)
        #expect(!result.timedOut)
        #expect(result.status == 1)
        #expect(result.out.contains("  \(dir.path)/good\n"))
        #expect(result.err.contains("\(dir.path)/fifo: not a regular file (fifo)"))
        #expect(result.err.contains("\(dir.path)/socket: not a regular file (socket)"))
        #expect(result.err.contains("\(dir.path)/loop1: Too many levels of symbolic links"))

        // Without -L, links inside the tree are reported as links.
        let plain = try run(Paths.palisade, ["hash", "-r", dir.path], timeout: 60)
        #expect(plain.err.contains("\(dir.path)/loop1: symbolic link, not followed"))

        let missing = try run(Paths.palisade, ["hash", "\(dir.path)/does-not-exist", "\(dir.path)/good"])
        #expect(missing.status == 1)
        #expect(missing.err.contains("does-not-exist: No such file or directory"))
        #expect(missing.out.contains("/good\n"))

        // A dangling link that is followed (an operand, or under -L): what sha256sum says of it.
        #expect(symlink("nowhere", "\(dir.path)/dangling") == 0)
        let dangling = try run(Paths.palisade, ["hash", "\(dir.path)/dangling"])
        let reference = try run("/usr/bin/sha256sum", ["\(dir.path)/dangling"])
        #expect(dangling.status == 1 && reference.status == 1)
        // The same message after the program's name ("palisade: …", "/usr/bin/sha256sum: …").
        #expect(dangling.err.split(separator: ":", maxSplits: 1).last == reference.err.split(separator: ":", maxSplits: 1).last)
        let followed = try run(Paths.palisade, ["hash", "-r", "-L", dir.path], timeout: 60)
        #expect(followed.err.contains("\(dir.path)/dangling: No such file or directory"))
    }

    @Test(.enabled(if: isRoot && which("setpriv") != nil, "needs root to drop to an unprivileged user"))
    func unreadableFileIsReportedForAnUnprivilegedUser() throws {
        let dir = try TemporaryDirectory()
        try dir.write("readable", "yes")
        try dir.write("secret", "no", mode: 0o000)
        // Root reads mode-000 files; run as nobody so the permission check is real.
        let result = try run("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups",
                                                  Paths.palisade, "hash", "-r", dir.path])
        #expect(result.status == 1)
        #expect(result.err.contains("\(dir.path)/secret: Permission denied"))
        #expect(result.out.contains("/readable\n"))
    }

    @Test(.enabled(if: !isRoot, "as root, the setpriv test above makes the case real"))
    func unreadableFileIsReportedWhenNotRoot() throws {
        let dir = try TemporaryDirectory()
        try dir.write("secret", "no", mode: 0o000)
        let result = try run(Paths.palisade, ["hash", "-r", dir.path])
        #expect(result.status == 1)
        #expect(result.err.contains("secret: Permission denied"))
    }

    @Test func badArgumentsExitWithTwo() throws {
        let result = try run(Paths.palisade, ["hash"])
        #expect(result.status == 2)
        // No command at all: the usage on stderr, exit 2 (help asked for is still 0).
        for binary in [Paths.palisade, Paths.endpoint] {
            let none = try run(binary, [])
            #expect(none.status == 2 && none.out.isEmpty && none.err.contains("SUBCOMMANDS:"), "\(binary)")
        }
        #expect(try run(Paths.palisade, ["--help"]).status == 0)
        let unknown = try run(Paths.palisade, ["hash", "--no-such-flag", "x"])
        #expect(unknown.status == 2)
        let authenticodeOfStandardInput = try run(Paths.palisade, ["hash", "--authenticode", "-"], stdin: Data("MZ".utf8))
        #expect(authenticodeOfStandardInput.status == 2)
    }

    /// Files of /proc and sysfs, whose sizes are not their lengths: the same lines as sha256sum.
    @Test(.enabled(if: FileManager.default.isReadableFile(atPath: "/sys/devices/system/cpu/online"),
                   "needs sysfs mounted"))
    func kernelFilesHashLikeSha256sum() throws {
        let paths = ["/proc/version", "/sys/devices/system/cpu/online", "/sys/devices/system/cpu/possible"]
        let ours = try run(Paths.palisade, ["hash"] + paths)
        let gnu = try run("/usr/bin/sha256sum", paths)
        #expect(ours.status == 0, "stderr: \(ours.err)")
        #expect(gnu.status == 0)
        #expect(ours.stdout == gnu.stdout, "\(ours.out) against \(gnu.out)")
    }

    /// `-` is standard input, as for sha256sum, and its line takes its place in path order
    /// ("+plus" sorts before "-", "plain.txt" after it); `./-` is a file called `-`.
    @Test func dashReadsStandardInputLikeSha256sum() throws {
        let dir = try makeTree()
        _ = try dir.write("+plus", "plus")
        _ = try dir.write("-", "a file called dash")
        var generator = SystemRandomNumberGenerator()
        let input = Data((0..<(2 << 20) + 5).map { _ in UInt8.random(in: 0...255, using: &generator) })
        for operands in [["-"], ["+plus", "-", "plain.txt"], ["-", "./-"]] {
            let ours = try run(Paths.palisade, ["hash"] + operands, cwd: dir.path, stdin: input)
            let gnu = try run("/usr/bin/sha256sum", operands, cwd: dir.path, stdin: input)
            #expect(ours.status == 0, "\(operands): \(ours.err)")
            #expect(gnu.status == 0)
            #expect(ours.stdout == gnu.stdout, "\(operands): \(ours.out) against \(gnu.out)")
        }
        let json = try run(Paths.palisade, ["hash", "--format", "json", "-"], stdin: Data("abc".utf8))
        let document = try #require(try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        let files = try #require(document["files"] as? [[String: Any]])
        #expect(files.count == 1)
        #expect(files.first?["path"] as? String == "-")
        #expect(files.first?["sha256"] as? String == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(files.first?["size"] as? Int == 3)
    }

    /// Standard input left non-blocking by whoever made it, with nothing in it yet: palisade
    /// waits for the data instead of failing with EAGAIN.
    @Test func nonBlockingStandardInputIsWaitedFor() throws {
        let input = Pipe()
        let descriptor = input.fileHandleForReading.fileDescriptor
        #expect(fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK) == 0)
        // A reader of our own, so that writing cannot raise SIGPIPE here if palisade exits early.
        let keptOpen = dup(descriptor)
        defer { close(keptOpen) }
        let output = Pipe(), errors = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Paths.palisade)
        process.arguments = ["hash", "-"]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        usleep(300_000)
        input.fileHandleForWriting.write(Data("abc".utf8))
        try input.fileHandleForWriting.close()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complaints = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(String(decoding: complaints, as: UTF8.self))")
        #expect(String(decoding: printed, as: UTF8.self) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -\n")
    }

    /// Standard input that cannot be read (a directory here) is a problem like any other.
    @Test func unreadableStandardInputIsReported() throws {
        let result = try run("/bin/sh", ["-c", "exec \"$0\" hash - < /", Paths.palisade])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.err.contains("palisade: -: Is a directory"))
    }
}

import ArgumentParser
import Foundation
import PalisadeCrypto

/// `palisade hash`: SHA-256 of files, printed exactly as GNU `sha256sum` prints it.
struct HashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hash",
        abstract: "Print SHA-256 hashes of files, in sha256sum's format.",
        discussion: """
            Regular files only: FIFOs, sockets and devices are reported and never read. Symbolic links \
            named on the command line are followed; links found inside directories are reported \
            unless --follow-symlinks is given. Problems go to stderr and make the exit status 1.
            A PATH of - reads standard input, as sha256sum does (./- names a file called -).
            Lines come in path byte order (LC_ALL=C sort), not in the order of the arguments, so the \
            same files always give the same output. The text output is accepted by `sha256sum -c`.
            """)

    @Flag(name: [.short, .long], help: "Hash every regular file under directory operands.")
    var recursive = false

    @Flag(name: [.customShort("L"), .long], help: "Follow symbolic links inside directories too.")
    var followSymlinks = false

    @Option(help: "Output format: text (sha256sum lines) or json.")
    var format: OutputFormat = .text

    @Flag(help: "Print AppLocker's hash instead (0x…: the Authenticode image hash of PE files, the flat SHA-256 of scripts); see `palisade inspect`.")
    var authenticode = false

    @Argument(help: "Files or directories to hash; - for standard input.")
    var paths: [String] = []

    /// The operand that means standard input.
    static let standardInput = RawPath("-")

    mutating func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one PATH (- reads standard input)") }
        if authenticode && paths.contains("-") {
            throw ValidationError("--authenticode reads files, not standard input: the Authenticode hash needs the whole PE image")
        }
    }

    func run() throws {
        let operands = CommandLine.rawArguments(matching: paths)
        if authenticode { return try runAuthenticode(operands) }
        // Standard input first (an interactive user is not kept waiting behind the files), once
        // for each -, as sha256sum reads it: the second - finds it at its end.
        let streams = operands.filter { $0 == Self.standardInput }.map { _ in
            FileHasher(keepsHeads: false).hash(stream: STDIN_FILENO, as: Self.standardInput)
        }
        let files = operands.filter { $0 != Self.standardInput }
        let progress = ProgressLine()
        // No progress callback at all unless it can be drawn: the engine would count for it,
        // under the work queue's lock, after every file.
        var onProgress: (@Sendable (FileHasher.Progress) -> Void)?
        if progress.enabled {
            onProgress = { p in
                progress.update("hashing: \(p.filesDone)/\(p.filesTotal) files, \(p.bytesDone >> 20)/\(p.bytesTotal >> 20) MiB")
            }
        }
        // No file heads: they are for telling ELF from PE, which plain hashing never asks.
        let hasher = FileHasher(keepsHeads: false)
        var outcomes = files.isEmpty ? [] : hasher.hash(files, recursive: recursive,
                                                        symlinks: followSymlinks ? .always : .operands, progress: onProgress)
        progress.finish()
        // In path order like the rest: - goes before the first path that sorts after it.
        outcomes.insert(contentsOf: streams, at: outcomes.firstIndex { Self.standardInput < $0.path } ?? outcomes.endIndex)

        var failed = 0
        var out = BufferedOutput()
        var report = HashReport()
        for outcome in outcomes {
            switch outcome.result {
            case .success(let digest):
                switch format {
                case .text: out.append { SHA256SumFormat.appendLine(digest: digest.sha256, path: digest.path, to: &$0) }
                case .json: report.files.append(.init(digest))
                }
            case .failure(let problem):
                failed += 1
                Terminal.err("palisade: \(outcome.path.displayEscaped): \(problem)\n")
                if format == .json { report.problems.append(.init(path: outcome.path, problem: problem)) }
            }
        }
        if format == .json { out.append(try JSON.encode(report)) }
        out.flush()
        if failed > 0 { throw PalisadeExit.findings }
    }
}

/// The `--format json` document of `palisade hash`.
///
/// ```json
/// {"files": [{"path": "a", "sha256": "…", "size": 3}],
///  "problems": [{"path": "fifo", "problem": "not-regular-file", "message": "…"}]}
/// ```
/// `path` is the name as UTF-8; where the name is not valid UTF-8, `pathHex` holds its bytes.
struct HashReport: Encodable {
    struct File: Encodable {
        var path: String
        var pathHex: String?
        var sha256: String
        var size: Int64

        init(_ digest: FileDigest) {
            path = digest.path.description
            pathHex = digest.path.string == nil ? hexString(digest.path.bytes) : nil
            sha256 = digest.sha256.hex
            size = digest.size
        }
    }

    struct Problem: Encodable {
        var path: String
        var pathHex: String?
        var problem: String
        var message: String

        init(path: RawPath, problem: FileProblem) {
            self.path = path.description
            self.pathHex = path.string == nil ? hexString(path.bytes) : nil
            self.problem = problem.code
            self.message = problem.description
        }
    }

    var files: [File] = []
    var problems: [Problem] = []
}

extension FileProblem {
    /// A stable machine-readable name.
    var code: String {
        switch self {
        case .notFound: return "not-found"
        case .permissionDenied: return "permission-denied"
        case .notRegularFile: return "not-regular-file"
        case .isDirectory: return "is-directory"
        case .symlink: return "symlink"
        case .symlinkLoop: return "symlink-loop"
        case .changedWhileReading: return "changed-while-reading"
        case .ioError: return "io-error"
        }
    }
}

extension RawPath {
    /// For messages on a terminal: control characters and invalid UTF-8 shown as escapes, so a
    /// hostile name cannot rewrite the terminal or forge a second line.
    var displayEscaped: String {
        var out = ""
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\\" {
                    out += scalar == "\\" ? "\\\\" : String(format: "\\x%02x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            case .emptyInput: break loop
            case .error: out += "\\ufffd"
            }
        }
        return out
    }
}

extension CommandLine {
    /// ArgumentParser hands us Strings; a non-UTF-8 argument would arrive repaired. Take the raw
    /// argv bytes instead, matched position by position to the parsed operands.
    static func rawArguments(matching parsed: [String]) -> [RawPath] {
        let raw: [[UInt8]] = (0..<Int(CommandLine.argc)).map { i in
            guard let p = CommandLine.unsafeArgv[i] else { return [] }
            return Array(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p)))
        }
        // Each parsed operand is the lossy decoding of some argv entry; find them in order.
        var result: [RawPath] = []
        var cursor = raw.count
        for operand in parsed.reversed() {
            var found: [UInt8]? = nil
            while cursor > 1 {
                cursor -= 1
                if String(decoding: raw[cursor], as: UTF8.self) == operand { found = raw[cursor]; break }
            }
            result.append(RawPath(bytes: found ?? Array(operand.utf8)))
        }
        return result.reversed()
    }
}

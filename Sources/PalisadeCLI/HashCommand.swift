import ArgumentParser
import Foundation
import PalisadeCrypto
import PalisadeModel

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
            same files always give the same output; each is written as soon as it and those before \
            it are hashed. The text output is accepted by `sha256sum -c`.
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
        var streams = operands.filter { $0 == Self.standardInput }.map { _ in
            FileHasher(keepsHeads: false).hash(stream: STDIN_FILENO, as: Self.standardInput)
        }
        let files = operands.filter { $0 != Self.standardInput }
        // Lines go to stdout as they are ready: on a terminal they are the progress, and a
        // progress line on the same screen would be broken into by them.
        let progress = ProgressLine(enabled: Terminal.stderrIsTerminal && isatty(STDOUT_FILENO) != 1)
        // No progress callback at all unless it can be drawn: the engine would count for it,
        // under the work queue's lock, after every file.
        var onProgress: (@Sendable (FileHasher.Progress) -> Void)?
        if progress.enabled {
            onProgress = { p in
                progress.update("hashing: \(p.filesDone)/\(p.filesTotal) files, \(p.bytesDone >> 20)/\(p.bytesTotal >> 20) MiB")
            }
        }
        var output = HashOutput(format: format, progress: progress)
        if !files.isEmpty {
            // No file heads: they are for telling ELF from PE, which plain hashing never asks.
            // Each line is written as soon as it and those before it are ready, so memory does not
            // grow with the number of files.
            FileHasher(keepsHeads: false).hash(files, recursive: recursive, symlinks: followSymlinks ? .always : .operands,
                                               progress: onProgress) { outcome in
                // In path order like the rest: - goes before the first path that sorts after it.
                while !streams.isEmpty && Self.standardInput < outcome.path { output.write(streams.removeFirst()) }
                output.write(outcome)
            }
        }
        progress.finish()
        for stream in streams { output.write(stream) }
        if output.finish() > 0 { throw PalisadeExit.findings }
    }
}

/// Where `palisade hash` writes its outcomes, one at a time: sha256sum lines or the JSON document
/// on stdout, problems on stderr.
///
/// The `--format json` document:
/// ```json
/// {"files": [{"path": "a", "sha256": "…", "size": 3}],
///  "problems": [{"message": "…", "path": "fifo", "problem": "not-regular-file"}]}
/// ```
/// `path` is the name as UTF-8; where the name is not valid UTF-8, `pathHex` holds its bytes.
/// Files are written as they come; the problems, which come after them, are kept until the end.
struct HashOutput: ~Copyable {
    private let format: OutputFormat
    /// Problems are written in its place while it is drawn.
    private let progress: ProgressLine
    private var text = BufferedOutput()
    private var json = PrettyJSONWriter(capacity: 1 << 16)
    /// The problems, for the JSON document; in text mode only their count is kept.
    private var problems: [(path: RawPath, problem: FileProblem)] = []
    private var problemCount = 0

    init(format: OutputFormat, progress: ProgressLine) {
        self.format = format
        self.progress = progress
        if format == .json {
            json.beginObject()
            json.key("files")
            json.beginArray()
        }
    }

    mutating func write(_ outcome: HashOutcome) {
        switch outcome.result {
        case .success(let digest):
            switch format {
            case .text: text.append { SHA256SumFormat.appendLine(digest: digest.sha256, path: digest.path, to: &$0) }
            case .json:
                json.element()
                json.beginObject()
                Self.writePath(digest.path, to: &json)
                json.member("sha256", digest.sha256.hex)
                json.key("size")
                json.integer(digest.size)
                json.endObject()
                if json.count >= 1 << 16 { drainJSON() }
            }
        case .failure(let problem):
            progress.interrupt(with: "palisade: \(outcome.path.displayEscaped): \(problem)\n")
            problemCount += 1
            if format == .json { problems.append((outcome.path, problem)) }
        }
    }

    /// Ends the output; returns how many problems there were.
    consuming func finish() -> Int {
        if format == .json {
            json.endArray()
            json.key("problems")
            json.beginArray()
            for (path, problem) in problems {
                // Members in byte order of their keys, as JSONEncoder's sortedKeys writes them.
                json.element()
                json.beginObject()
                json.member("message", problem.description)
                Self.writePath(path, to: &json)
                json.member("problem", problem.code)
                json.endObject()
            }
            json.endArray()
            json.endObject()
            json.finish()
            drainJSON()
        }
        text.flush()
        return problemCount
    }

    private mutating func drainJSON() {
        json.drain { bytes in text.append { $0.append(contentsOf: bytes) } }
    }

    /// `path`, and `pathHex` when the name is not UTF-8.
    private static func writePath(_ path: RawPath, to json: inout PrettyJSONWriter) {
        json.member("path", path.description)
        if path.string == nil { json.member("pathHex", hexString(path.bytes)) }
    }
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
        case .ambiguousName: return "ambiguous-name"
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

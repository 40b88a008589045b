import Foundation
import PalisadeCompiler
import PalisadeTestSupport
import Testing

/// Runs the real fapolicyd 1.1.7 tools (fagenrules, the daemon's parser, fapolicyd-cli) without
/// touching the machine's fapolicyd.
///
/// fagenrules, the daemon and fapolicyd-cli use fixed paths (/etc/fapolicyd, /run,
/// /var/lib/fapolicyd). Each run happens in a private mount namespace (`unshare --mount
/// --propagation private`) in which those three directories are bind mounts of this sandbox's
/// scratch copies. The machine's /etc/fapolicyd is only ever read (copied at set-up); nothing
/// outside the scratch directory is written, even when a test fails or is killed, and the
/// namespace (with its mounts) disappears with its last process.
///
/// The daemon runs as the reference prescribes for parsing: without CAP_SYS_ADMIN
/// (`setpriv --bounding-set=-sys_admin`), `--debug --permissive`, under `timeout -s KILL`. It
/// parses the rules, loads the trust files into the (scratch) database, then fails to open
/// fanotify and exits. The scratch conf also watches only `ramfs`, and its `uid = root` lets it
/// write the scratch database.
final class FapolicydSandbox {
    let dir: TemporaryDirectory
    var root: String { dir.path }
    var etc: String { root + "/etc" }
    var out: String { root + "/out" }

    /// Why the machine cannot run the sandbox (then tests cancel with this), or nil.
    static let unavailableReason: String? = {
        guard let unshare = which("unshare") else { return "unshare (util-linux) is not installed" }
        let args = isRoot ? ["--mount", "--propagation", "private", "/bin/true"]
                          : ["--user", "--map-root-user", "--mount", "--propagation", "private", "/bin/true"]
        guard let result = try? run(unshare, args, timeout: 30), result.status == 0 else {
            return "this machine cannot create a private mount namespace (root or unprivileged user namespaces needed)"
        }
        return nil
    }()

    /// Fails the test (not a skip: CI installs fapolicyd) when the tools are missing, cancels it
    /// when the machine cannot create mount namespaces.
    static func requireTools(sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        for tool in ["/usr/sbin/fapolicyd", "/usr/sbin/fagenrules", "/usr/sbin/fapolicyd-cli"] {
            if !FileManager.default.isExecutableFile(atPath: tool) {
                Issue.record("\(tool) is missing: `.ci/setup test` installs fapolicyd", sourceLocation: sourceLocation)
                throw CancellationError()
            }
        }
        if let reason = unavailableReason {
            try Test.cancel("cannot run fapolicyd in a sandbox: \(reason)", sourceLocation: sourceLocation)
        }
    }

    init(confChanges: [String: String] = [:]) throws {
        dir = try TemporaryDirectory("palisade-fapolicyd")
        let fm = FileManager.default
        for sub in ["etc", "run/fapolicyd", "lib", "out", "mnt"] {
            try fm.createDirectory(atPath: root + "/" + sub, withIntermediateDirectories: true)
        }
        try check(run("/bin/cp", ["-a", "/etc/fapolicyd/.", etc]))
        // Only Palisade's trust file is loaded: the sandbox starts with no trust entries.
        try Data().write(to: URL(fileURLWithPath: etc + "/fapolicyd.trust"))
        for name in try fm.contentsOfDirectory(atPath: etc + "/trust.d") {
            try fm.removeItem(atPath: etc + "/trust.d/" + name)
        }
        try? fm.removeItem(atPath: etc + "/compiled.rules")
        // The marker the script checks before writing anything: the binds are in place.
        try Data("sandbox\n".utf8).write(to: URL(fileURLWithPath: etc + "/.palisade-sandbox"))
        var changes = ["uid": "root", "gid": "root", "watch_fs": "ramfs", "do_stat_report": "0"]
        changes.merge(confChanges) { $1 }
        try rewriteConf(changes)
    }

    private func rewriteConf(_ changes: [String: String]) throws {
        let path = etc + "/fapolicyd.conf"
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var done = Set<String>()
        for i in lines.indices {
            let key = lines[i].split(separator: "=").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if let value = changes[key] {
                lines[i] = "\(key) = \(value)"
                done.insert(key)
            }
        }
        for (key, value) in changes.sorted(by: { $0.key < $1.key }) where !done.contains(key) {
            lines.insert("\(key) = \(value)", at: max(0, lines.count - 1))
        }
        try lines.joined(separator: "\n").write(toFile: path, atomically: false, encoding: .utf8)
    }

    private func check(_ result: RunResult) throws {
        if result.status != 0 { throw SandboxError(message: result.err + result.out) }
    }

    /// Copies the emitter's files (bundle-relative `fapolicyd/rules.d/…`, `fapolicyd/trust.d/…`).
    func install(_ files: [String: [UInt8]]) throws {
        for (path, bytes) in files where path.hasPrefix("fapolicyd/") {
            let target = etc + "/" + path.dropFirst("fapolicyd/".count)
            try Data(bytes).write(to: URL(fileURLWithPath: target))
        }
    }

    /// The stock rule lines that fagenrules will add after ours (Debian ships 90-deny-execute).
    func stockRuleLines(excluding ours: Set<String>) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: etc + "/rules.d")
            .filter { $0.hasSuffix(".rules") }
        var lines: [String] = []
        for name in names.sorted(by: Self.versionOrder) {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: etc + "/rules.d/" + name)))
            let text = String(decoding: bytes, as: UTF8.self)
            let fileLines = Self.ruleLines(text)
            lines += ours.contains(name) ? [] : fileLines
        }
        return lines
    }

    /// `ls -v` order for the simple names used here (leading number, then the rest).
    static func versionOrder(_ a: String, _ b: String) -> Bool {
        func number(_ s: String) -> Int { Int(s.prefix(while: \.isNumber)) ?? Int.max }
        return (number(a), a) < (number(b), b)
    }

    /// What fagenrules keeps of a rules file: non-empty lines that are not comments.
    static func ruleLines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init).filter { !$0.hasPrefix("#") }
    }

    /// Runs `body` (sh) inside the private mount namespace with the binds in place; `$S` is the
    /// sandbox root. Returns the unshare run.
    @discardableResult
    func runInNamespace(_ body: String, timeout: TimeInterval = 120) throws -> RunResult {
        let script = """
            set -u
            S="$1"
            mount --bind "$S/etc" /etc/fapolicyd || exit 97
            mount --bind "$S/run" /run || exit 97
            mount --bind "$S/lib" /var/lib/fapolicyd || exit 97
            [ -e /etc/fapolicyd/.palisade-sandbox ] || { echo "sandbox bind missing" >&2; exit 97; }
            \(body)
            """
        let unshare = which("unshare") ?? "/usr/bin/unshare"
        var args = isRoot ? ["--mount", "--propagation", "private"]
                          : ["--user", "--map-root-user", "--mount", "--propagation", "private"]
        args += ["/bin/sh", "-c", script, "sh", root]
        let result = try run(unshare, args, timeout: timeout)
        if result.status == 97 { throw SandboxError(message: "sandbox set-up failed: " + result.err) }
        return result
    }

    /// fagenrules, then the daemon's parser and trust loading, then `fapolicyd-cli --dump-db`.
    func load() throws -> LoadResult {
        try runInNamespace("""
            fagenrules > "$S/out/fagenrules.log" 2>&1
            timeout -s KILL 60 setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin \\
                /usr/sbin/fapolicyd --debug --permissive > "$S/out/daemon.log" 2>&1
            fapolicyd-cli --dump-db > "$S/out/dump.txt" 2> "$S/out/dump.err"
            exit 0
            """)
        return LoadResult(
            compiled: (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: etc + "/compiled.rules")))) ?? [],
            daemonLog: (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/daemon.log")))) ?? [],
            dump: (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: out + "/dump.txt")))) ?? [])
    }
}

struct SandboxError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// What fagenrules and the daemon made of the files.
struct LoadResult {
    var compiled: [UInt8]
    var daemonLog: [UInt8]
    var dump: [UInt8]

    var compiledLines: [String] {
        var lines = String(decoding: compiled, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    var logLines: [String] {
        String(decoding: daemonLog, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The lines the daemon printed between `Loading rule file:` and `Loaded N rules`: the rules
    /// as it read them, plus any parser message.
    var echoed: [String]? {
        let lines = logLines
        guard let start = lines.firstIndex(of: "Loading rule file:"),
              let end = lines[start...].firstIndex(where: { Self.loadedCount($0) != nil }) else { return nil }
        return Array(lines[(start + 1)..<end])
    }

    /// N from `Loaded N rules`, nil when the daemon did not finish loading.
    var loaded: Int? { logLines.lazy.compactMap(Self.loadedCount).first }

    static func loadedCount(_ line: String) -> Int? {
        guard line.hasPrefix("Loaded "), line.hasSuffix(" rules") else { return nil }
        return Int(line.dropFirst("Loaded ".count).dropLast(" rules".count))
    }

    /// Trust-file messages that mean an entry was dropped, garbled or duplicated.
    var trustProblems: [String] {
        logLines.filter {
            $0.contains("Can't parse") || $0.contains("valid escape sequence") || $0.contains("contains a duplicate")
                || $0.contains("Could not unescape")
        }
    }

    /// `fapolicyd-cli --dump-db`: `filedb PATH SIZE SHA256` with the path decoded.
    var trustEntries: [FapolicydTrustFile.Entry] {
        var entries: [FapolicydTrustFile.Entry] = []
        for line in String(decoding: dump, as: UTF8.self).split(separator: "\n") where line.hasPrefix("filedb ") {
            let rest = line.dropFirst("filedb ".count)
            guard let hashSpace = rest.lastIndex(of: " ") else { continue }
            let hash = String(rest[rest.index(after: hashSpace)...])
            let head = rest[..<hashSpace]
            guard let sizeSpace = head.lastIndex(of: " "), let size = Int64(head[head.index(after: sizeSpace)...]) else { continue }
            entries.append(.init(path: String(head[..<sizeSpace]), size: size, sha256: hash))
        }
        return entries.sorted()
    }
}

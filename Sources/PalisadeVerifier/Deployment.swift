import Foundation
import PalisadeCrypto
import PalisadeModel

/// Is the bundle's enforcement really in place on the host? Installed files identical, the
/// fapolicyd rules compiled in and the daemon in the right mode, AppArmor profiles installed and
/// (when the kernel says so) loaded in the intended mode. Reads only.
struct Deployment {
    var fs: RootedFileSystem
    var bundle: LoadedBundle
    /// True when the root is the running host, so kernel state (securityfs) describes it.
    var rootIsHost: Bool
    var apparmorProfilesFile: String
    /// The process table, for whether fapolicyd runs (read only when `rootIsHost`).
    var procDirectory = "/proc"

    /// Where each backend's bundle folder is installed on a host.
    static let installLocations: [(bundlePrefix: String, hostPrefix: String, backend: Backend)] = [
        ("fapolicyd/", "/etc/fapolicyd/", .fapolicyd),
        ("apparmor/", "/etc/apparmor.d/", .apparmor),
    ]

    func check() -> [Finding] {
        var findings: [Finding] = []
        for (bundlePath, bytes) in bundle.files.sorted(by: { $0.key < $1.key }) {
            guard let location = Self.installLocations.first(where: { bundlePath.hasPrefix($0.bundlePrefix) }) else { continue }
            let hostPath = location.hostPrefix + bundlePath.dropFirst(location.bundlePrefix.count)
            findings.append(compareInstalled(hostPath, expected: bytes, backend: location.backend))
        }
        let modes = bundle.manifest.customer.modes
        if bundle.files.keys.contains(where: { $0.hasPrefix("fapolicyd/") }) {
            findings += fapolicyd(mode: modes[.fapolicyd] ?? .audit)
        }
        let profiles = bundle.files.filter { $0.key.hasPrefix("apparmor/") }
        if !profiles.isEmpty {
            findings += apparmorLoaded(profiles: profiles, mode: modes[.apparmor] ?? .audit)
        }
        return findings
    }

    func read(_ endpointPath: String) -> Result<[UInt8], FileProblem> {
        switch fs.resolve(endpointPath) {
        case .problem(let problem): return .failure(problem)
        case .found(let host, let info):
            guard info.st_mode & S_IFMT == S_IFREG else { return .failure(.notRegularFile(FileType(mode: info.st_mode))) }
            guard let data = FileManager.default.contents(atPath: host.description) else { return .failure(.permissionDenied) }
            return .success(Array(data))
        }
    }

    func compareInstalled(_ hostPath: String, expected: [UInt8], backend: Backend) -> Finding {
        let expectedHash = "sha256 \(SHA256.hash(expected).hex)"
        switch read(hostPath) {
        case .failure(.notFound):
            return Finding(.notDeployed, check: backend.rawValue, path: hostPath, expected: expectedHash, actual: "absent",
                           message: "\(backend.rawValue): \(hostPath) is not installed")
        case .failure(let problem):
            return Finding(.unknown, check: backend.rawValue, path: hostPath, expected: expectedHash, actual: problem.description,
                           message: "\(backend.rawValue): cannot read \(hostPath): \(problem)")
        case .success(let actual):
            let same = actual == expected
            return Finding(same ? .ok : .different, check: backend.rawValue, path: hostPath, expected: expectedHash,
                           actual: "sha256 \(SHA256.hash(actual).hex)",
                           message: same ? "\(backend.rawValue): \(hostPath) is installed" : "\(backend.rawValue): \(hostPath) differs from the bundle")
        }
    }

    /// fapolicyd 1.1.7: fagenrules joins rules.d into compiled.rules (dropping comments and blank
    /// lines) and refuses to when a legacy fapolicyd.rules exists; `permissive` in fapolicyd.conf
    /// decides whether denials are enforced.
    func fapolicyd(mode: Mode) -> [Finding] {
        var findings: [Finding] = []
        if case .success = read("/etc/fapolicyd/fapolicyd.rules") {
            findings.append(Finding(.different, check: "fapolicyd", path: "/etc/fapolicyd/fapolicyd.rules", expected: "absent",
                                    actual: "present", message: "fapolicyd: a legacy fapolicyd.rules exists, so rules.d (and this bundle) is ignored"))
        }
        for (bundlePath, bytes) in bundle.files where bundlePath.hasPrefix("fapolicyd/rules.d/") {
            let wanted = Self.effectiveRuleLines(bytes)
            switch read("/etc/fapolicyd/compiled.rules") {
            case .success(let compiled):
                let lines = Self.effectiveRuleLines(compiled)
                let present = wanted.isEmpty || (0...max(0, lines.count - wanted.count)).contains { Array(lines[$0..<min(lines.count, $0 + wanted.count)]) == wanted }
                findings.append(Finding(present ? .ok : .different, check: "fapolicyd", path: "/etc/fapolicyd/compiled.rules",
                                        expected: "contains \(bundlePath.split(separator: "/").last ?? "")",
                                        actual: present ? "contains it" : "does not contain it",
                                        message: present ? "fapolicyd: compiled.rules contains the bundle's rules"
                                                         : "fapolicyd: compiled.rules does not contain the bundle's rules; run `fagenrules --load` and restart fapolicyd"))
            case .failure(.notFound):
                findings.append(Finding(.notDeployed, check: "fapolicyd", path: "/etc/fapolicyd/compiled.rules", expected: "present",
                                        actual: "absent", message: "fapolicyd: no compiled.rules; run `fagenrules --load`"))
            case .failure(let problem):
                findings.append(Finding(.unknown, check: "fapolicyd", path: "/etc/fapolicyd/compiled.rules", actual: problem.description,
                                        message: "fapolicyd: cannot read compiled.rules: \(problem)"))
            }
        }
        switch read("/etc/fapolicyd/fapolicyd.conf") {
        case .success(let conf):
            // Enforce needs `permissive = 0`, or nothing is blocked. Audit mode is carried by the
            // bundle's own rules (`allow_log` where enforce has `deny_log`), so any setting is right.
            let permissive = Self.confValue(conf, key: "permissive") ?? "0"
            let compliant = mode == .audit || permissive == "0"
            findings.append(Finding(compliant ? .ok : .different, check: "fapolicyd", path: "/etc/fapolicyd/fapolicyd.conf",
                                    expected: mode == .enforce ? "permissive = 0" : "any (audit rules only log)",
                                    actual: "permissive = \(permissive)",
                                    message: compliant ? "fapolicyd: daemon configuration fits \(mode.rawValue) mode"
                                                       : "fapolicyd: permissive = \(permissive) blocks nothing, the policy asks for enforce mode"))
            // The trust file lists sizes and hashes; only `integrity = sha256` has the daemon check
            // them (`none`, the default, trusts a listed path whatever it holds).
            let integrity = Self.confValue(conf, key: "integrity") ?? "none"
            findings.append(Finding(integrity == "sha256" ? .ok : .different, check: "fapolicyd", path: "/etc/fapolicyd/fapolicyd.conf",
                                    expected: "integrity = sha256", actual: "integrity = \(integrity)",
                                    message: integrity == "sha256" ? "fapolicyd: trusted files are checked by their SHA-256"
                                        : "fapolicyd: integrity = \(integrity) trusts a listed path whatever its content; set integrity = sha256"))
        case .failure(.notFound):
            findings.append(Finding(.notDeployed, check: "fapolicyd", path: "/etc/fapolicyd/fapolicyd.conf", expected: "present",
                                    actual: "absent", message: "fapolicyd: not installed (no fapolicyd.conf)"))
        case .failure(let problem):
            findings.append(Finding(.unknown, check: "fapolicyd", path: "/etc/fapolicyd/fapolicyd.conf", actual: problem.description,
                                    message: "fapolicyd: cannot read fapolicyd.conf: \(problem)"))
        }
        if rootIsHost { findings.append(daemon()) }
        return findings
    }

    /// On the running host: fapolicyd runs, and started after `compiled.rules` and
    /// `fapolicyd.conf` last changed (1.1.7 reads them only at start).
    func daemon() -> Finding {
        switch FapolicydDaemon(procDirectory: procDirectory).state() {
        case .unknown(let why):
            return Finding(.unknown, check: "fapolicyd", path: "fapolicyd", expected: "running", actual: "unknown",
                           message: "fapolicyd: cannot tell whether the daemon runs: \(why)")
        case .notRunning:
            return Finding(.notDeployed, check: "fapolicyd", path: "fapolicyd", expected: "running", actual: "not running",
                           message: "fapolicyd: the daemon is not running, so nothing is enforced or logged")
        case .running(let started):
            var changed: (path: String, time: Double)?
            for path in ["/etc/fapolicyd/compiled.rules", "/etc/fapolicyd/fapolicyd.conf"] {
                guard case .found(_, let info) = fs.resolve(path) else { continue }
                let time = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
                if time > (changed?.time ?? -.infinity) { changed = (path, time) }
            }
            // The start time has the clock tick's precision (10 ms): allow one second.
            if let changed, started + 1 < changed.time {
                return Finding(.different, check: "fapolicyd", path: "fapolicyd", expected: "started after \(changed.path) changed",
                               actual: "started before",
                               message: "fapolicyd: the daemon started before \(changed.path) last changed and still enforces the previous version; restart it")
            }
            return Finding(.ok, check: "fapolicyd", path: "fapolicyd", expected: "running", actual: "running",
                           message: "fapolicyd: the daemon runs and started after its rules and configuration last changed")
        }
    }

    /// AppArmor: each top-level profile of the bundle loaded, in enforce or complain mode.
    func apparmorLoaded(profiles: [String: [UInt8]], mode: Mode) -> [Finding] {
        let names = profiles.values.flatMap { Self.profileNames(in: $0) }.sorted()
        let wanted = mode == .enforce ? "enforce" : "complain"
        // An image under --root is not running: which profiles its kernel loads is not a question.
        guard rootIsHost else { return [] }
        guard let data = FileManager.default.contents(atPath: apparmorProfilesFile) else {
            return names.map { Finding(.unknown, check: "apparmor", path: $0, expected: wanted, actual: "unknown",
                                       message: "apparmor: cannot tell whether profile \($0) is loaded: \(apparmorProfilesFile) is not readable (AppArmor off, or not root)") }
        }
        var loaded: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            // "name (mode)"; the name itself may contain spaces and parentheses, the mode is last.
            guard let open = line.lastIndex(of: "("), line.hasSuffix(")") else { continue }
            let name = line[..<open].trimmingCharacters(in: .whitespaces)
            loaded[name] = String(line[line.index(after: open)..<line.index(before: line.endIndex)])
        }
        return names.map { name in
            guard let actual = loaded[name] else {
                return Finding(.notDeployed, check: "apparmor", path: name, expected: wanted, actual: "not loaded",
                               message: "apparmor: profile \(name) is not loaded; run `apparmor_parser -r` on it")
            }
            return Finding(actual == wanted ? .ok : .different, check: "apparmor", path: name, expected: wanted, actual: actual,
                           message: actual == wanted ? "apparmor: profile \(name) is loaded in \(actual) mode"
                                                     : "apparmor: profile \(name) is loaded in \(actual) mode, the policy asks for \(wanted)")
        }
    }

    /// Lines fagenrules keeps: not blank, not a comment.
    static func effectiveRuleLines(_ bytes: [UInt8]) -> [Substring] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// `key = value` from fapolicyd.conf. The daemon applies every line in turn, so when a key is
    /// set twice the last value is the one it runs with.
    static func confValue(_ bytes: [UInt8], key: String) -> String? {
        var value: String?
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == key else { continue }
            value = parts[1].trimmingCharacters(in: .whitespaces)
        }
        return value
    }

    /// Names of the top-level profiles in a profile file (`profile NAME …{` at the start of a line).
    static func profileNames(in bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { line in
            guard line.hasPrefix("profile ") else { return nil }
            return line.dropFirst("profile ".count).split(separator: " ").first.map(String.init)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import PalisadeCrypto
import PalisadeModel
import PalisadeWindows

/// Checks a host (or a mounted image) against a bundle. Read-only: it opens files for reading,
/// never writes, never changes permissions, never loads anything.
public struct Verifier: Sendable {
    /// The host tree: `/`, or where an image is mounted.
    public var root: String
    /// Endpoint folders searched for denied hashes and unlisted executables; nil: the defaults.
    public var scanLocations: [String]?
    public var hasher: FileHasher
    /// An export of the endpoint's effective AppLocker policy, to compare with the bundle's.
    public var appLockerEffective: [UInt8]?
    /// Where the kernel lists loaded AppArmor profiles; read only when `root` is `/`.
    public var apparmorProfilesFile = "/sys/kernel/security/apparmor/profiles"

    /// Where programs land on a Linux host, including the places attackers stage tools.
    public static let defaultLinuxScanLocations = [
        "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/usr/libexec", "/opt", "/srv",
        "/tmp", "/var/tmp", "/dev/shm", "/home", "/root",
    ]
    /// The same on a mounted Windows volume.
    public static let defaultWindowsScanLocations = [
        #"%PROGRAMFILES%"#, #"%OSDRIVE%\Program Files (x86)"#, #"%OSDRIVE%\ProgramData"#, #"%OSDRIVE%\Users"#,
    ]

    public init(root: String = "/", scanLocations: [String]? = nil, hasher: FileHasher = FileHasher()) {
        self.root = root
        self.scanLocations = scanLocations
        self.hasher = hasher
    }

    public func verify(_ bundle: LoadedBundle) -> VerifyReport {
        let fs = RootedFileSystem(root: root)
        let platform: Platform = WindowsVolume.looksLikeWindows(root: root) ? .windows : .linux
        let paths = EndpointPaths(platform: platform)
        let rules = bundle.manifest.rules.filter { $0.platform == platform }
        var findings: [Finding] = []

        // 1. Resolve every path a rule names, and list what the scan covers; hash it all in one batch.
        var toHash: [RawPath: FileEntry] = [:]
        var ruleTargets: [Int: RootedFileSystem.Resolution] = [:]
        for (index, rule) in rules.enumerated() {
            guard let path = rule.path, rule.pathMatch == .file, let native = paths.native(path) else { continue }
            let resolution = fs.resolve(native)
            ruleTargets[index] = resolution
            if case .found(let host, let info) = resolution, info.st_mode & S_IFMT == S_IFREG, rule.sha256 != nil {
                toHash[host] = FileEntry(host, info)
            }
        }
        let scanEndpoints = (scanLocations ?? (platform == .linux ? Self.defaultLinuxScanLocations : Self.defaultWindowsScanLocations))
        let deniedDirectories = rules.filter { $0.decision == .deny && $0.pathMatch == .directory }.compactMap(\.path)
        var scanRoots: [RawPath] = []
        var scanned: [String] = []
        for location in scanEndpoints + deniedDirectories {
            guard let native = paths.native(location) else { continue }
            switch fs.resolve(native) {
            case .found(let host, let info) where info.st_mode & S_IFMT == S_IFDIR:
                scanRoots.append(host)
                if !deniedDirectories.contains(location) { scanned.append(location) }
            case .found:
                break
            case .problem(let problem):
                if problem != .notFound {
                    findings.append(Finding(.unknown, check: "scan", path: location, actual: problem.description,
                                            message: "cannot scan \(location): \(problem)"))
                }
            }
        }
        let listing = TreeWalker(symlinks: .never).walk(Self.outermost(scanRoots), recursive: true)
        for file in listing.files { toHash[file.path] = file }
        for problem in listing.problems {
            switch problem.problem {
            case .symlink, .notRegularFile: continue  // links are checked where they point; devices are not programs
            default:
                let path = fs.endpointPath(of: problem.path)
                findings.append(Finding(.unknown, check: "scan", path: paths.display(path), actual: problem.problem.description,
                                        message: "cannot check \(paths.display(path)): \(problem.problem)"))
            }
        }
        var digests: [RawPath: Result<FileDigest, FileProblem>] = [:]
        for outcome in hasher.hash(entries: toHash.values.sorted { $0.path < $1.path }) {
            digests[outcome.path] = outcome.result
        }

        // 2. Allowed and denied files at their paths.
        var reportedHosts = Set<RawPath>()
        for (index, rule) in rules.enumerated() {
            guard let path = rule.path, let resolution = ruleTargets[index] else { continue }
            let location = rule.provenance.location
            let expected = rule.sha256.map { "sha256 \($0)" + (rule.size.map { " size \($0)" } ?? "") }
            switch (rule.decision, resolution) {
            case (.allow, .problem(.notFound)):
                findings.append(Finding(.missing, check: "file", path: path, expected: expected ?? "present", actual: "absent",
                                        rule: location, message: "allowed file \(path) is missing"))
            case (.deny, .problem(.notFound)):
                findings.append(Finding(.ok, check: "file", path: path, expected: "absent", actual: "absent", rule: location,
                                        message: "denied file \(path) is absent"))
            case (_, .problem(let problem)):
                findings.append(Finding(.unknown, check: "file", path: path, actual: problem.description, rule: location,
                                        message: "cannot check \(path): \(problem)"))
            case (_, .found(let host, let info)):
                guard info.st_mode & S_IFMT == S_IFREG else {
                    findings.append(Finding(.unknown, check: "file", path: path, actual: FileType(mode: info.st_mode).description,
                                            rule: location, message: "\(path) is not a regular file"))
                    continue
                }
                guard let wanted = rule.sha256 else {
                    // A path-only rule: presence is all there is to check.
                    let kind: Finding.Kind = rule.decision == .allow ? .ok : .deniedPresent
                    findings.append(Finding(kind, check: "file", path: path, expected: rule.decision == .allow ? "present" : "absent",
                                            actual: "present", rule: location,
                                            message: rule.decision == .allow ? "allowed path \(path) is present" : "denied path \(path) is present"))
                    reportedHosts.insert(host)
                    continue
                }
                switch digests[host] {
                case .success(let digest)?:
                    var actual = "sha256 \(digest.sha256.hex) size \(digest.size)"
                    var same = digest.sha256.hex == wanted && (rule.size == nil || rule.size == digest.size)
                    // On Windows, AppLocker identifies a PE by its Authenticode image hash, which
                    // does not change when only the signature does: compare that too.
                    if !same, platform == .windows, let expectedImage = rule.windows?.appLockerHash,
                       let image = try? AuthenticodeHash.compute(FileByteSource(path: host)) {
                        actual += " authenticode \(AppLockerHashText.data(image))"
                        same = image.hex == expectedImage.lowercased()
                    }
                    if rule.decision == .allow {
                        findings.append(Finding(same ? .ok : .modified, check: "file", path: path, expected: expected, actual: actual,
                                                rule: location, message: same ? "allowed file \(path) matches" : "allowed file \(path) was modified"))
                        reportedHosts.insert(host)
                    } else if same {
                        findings.append(Finding(.deniedPresent, check: "file", path: path, expected: "absent", actual: actual,
                                                rule: location, message: "denied file \(path) is present"))
                        reportedHosts.insert(host)
                    } else {
                        findings.append(Finding(.ok, check: "file", path: path, expected: "not \(expected ?? "")", actual: actual,
                                                rule: location, message: "the file at denied path \(path) is not the denied one"))
                    }
                case .failure(let problem)?:
                    findings.append(Finding(.unknown, check: "file", path: path, actual: problem.description, rule: location,
                                            message: "cannot check \(path): \(problem)"))
                    reportedHosts.insert(host)
                case nil:
                    findings.append(Finding(.unknown, check: "file", path: path, rule: location, message: "\(path) was not read"))
                }
            }
        }

        // 3. Scanned executables: denied hashes anywhere, unlisted programs, denied directories.
        let coverage = Coverage(rules: rules, resolved: ruleTargets, fs: fs, paths: paths)
        for file in listing.files where !reportedHosts.contains(file.path) {
            let endpoint = paths.display(fs.endpointPath(of: file.path))
            guard let result = digests[file.path] else { continue }
            let digest: FileDigest
            switch result {
            case .success(let d): digest = d
            case .failure(let problem):
                findings.append(Finding(.unknown, check: "scan", path: endpoint, actual: problem.description,
                                        message: "cannot check \(endpoint): \(problem)"))
                continue
            }
            let kind = FileKind.classify(head: digest.head)
            guard FileKind.isExecutable(kind, mode: digest.mode) else { continue }
            let actual = "sha256 \(digest.sha256.hex) size \(digest.size)"
            if let denied = coverage.deniedRule(hash: digest.sha256.hex, endpoint: endpoint) {
                findings.append(Finding(.deniedPresent, check: "scan", path: endpoint, expected: "absent", actual: actual,
                                        rule: denied.provenance.location,
                                        message: "denied program found at \(endpoint)"))
            } else if !coverage.isAllowed(hash: digest.sha256.hex, endpoint: endpoint) {
                findings.append(Finding(.unlisted, check: "scan", path: endpoint, actual: actual,
                                        message: "executable \(endpoint) is not allowed by the policy"))
            }
        }

        // 4. Is enforcement deployed?
        if let appLockerEffective {
            findings += AppLockerEffective.compare(effective: appLockerEffective, bundle: bundle)
        }
        if platform == .linux {
            findings += Deployment(fs: fs, bundle: bundle, rootIsHost: fs.root.bytes == [0x2F],
                                   apparmorProfilesFile: apparmorProfilesFile).check()
        }
        return VerifyReport(customer: bundle.manifest.customer.id, bundle: bundle.directory,
                            authenticated: bundle.authenticated, root: root, scanned: scanned, findings: findings)
    }

    /// Drops scan roots inside other scan roots, so nothing is walked twice.
    static func outermost(_ roots: [RawPath]) -> [RawPath] {
        let unique = Array(Set(roots)).sorted()
        return unique.filter { candidate in
            !unique.contains { other in
                other != candidate && candidate.bytes.starts(with: other.bytes + (other.bytes.last == 0x2F ? [] : [0x2F]))
            }
        }
    }
}

extension FileEntry {
    init(_ path: RawPath, _ info: stat) {
        self.init(path: path, size: Int64(info.st_size), device: UInt64(info.st_dev), inode: UInt64(info.st_ino),
                  mode: UInt32(info.st_mode), viaSymlink: false)
    }
}

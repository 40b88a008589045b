#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Dispatch
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

    /// Whether the report lists every check that passed (`ok` findings) or only counts them in its
    /// summary. The text report shows passing checks only with `--verbose`; on a 100,000-file host,
    /// building, sorting and dropping 100,000 `ok` findings would cost more than the checks.
    public var listsPassingChecks = true

    /// Where a rule's path leads on the host.
    private enum Target {
        /// Found: the host path, its lstat mode, and its index in the hashed entries (regular files with a hash to check).
        case found(host: RawPath, mode: UInt32, entry: Int?)
        case problem(FileProblem)
    }

    /// The scan as far as it can go without the bundle: the platform, the scan locations resolved,
    /// and, when the bundle's denied directories are known or turn out to add nothing, the listing.
    private struct Scan {
        var fs: RootedFileSystem
        var platform: Platform
        var paths: EndpointPaths
        /// Each scan location and where it resolved: a directory's host path, nil (not a directory
        /// or not found), or a problem to report.
        var locations: [(location: String, resolution: Result<RawPath?, FileProblem>)] = []
        /// The walk of `walkedRoots`.
        var listing: TreeWalker.Listing?
        var walkedRoots: [RawPath] = []
        /// Whether `locations` already has the bundle's denied directories.
        var includesDeniedDirectories = false
    }

    private func resolveLocation(_ location: String, _ scan: Scan) -> Result<RawPath?, FileProblem>? {
        guard let native = scan.paths.native(location) else { return nil }
        switch scan.fs.resolve(native) {
        case .found(let host, let info) where info.st_mode & S_IFMT == S_IFDIR: return .success(host)
        case .found: return .success(nil)
        case .problem(let problem): return .failure(problem)
        }
    }

    /// Resolves the scan locations and walks them (and the denied directories, when given).
    private func startScan(deniedDirectories: [String]?) -> Scan {
        let platform: Platform = WindowsVolume.looksLikeWindows(root: root) ? .windows : .linux
        let paths = EndpointPaths(platform: platform)
        var scan = Scan(fs: RootedFileSystem(root: root, names: paths.nameMatching), platform: platform, paths: paths)
        let scanEndpoints = (scanLocations ?? (platform == .linux ? Self.defaultLinuxScanLocations : Self.defaultWindowsScanLocations))
        for location in scanEndpoints + (deniedDirectories ?? []) {
            if let resolution = resolveLocation(location, scan) {
                scan.locations.append((location, resolution))
            } else if scanLocations?.contains(location) == true {
                scan.locations.append((location, .failure(.notFound)))  // named, but no path on this volume
            }
        }
        scan.includesDeniedDirectories = deniedDirectories != nil
        scan.walkedRoots = Self.outermost(scan.locations.compactMap {
            if case .success(let host?) = $0.resolution { host } else { nil }
        })
        scan.listing = TreeWalker(symlinks: .never).walk(scan.walkedRoots, recursive: true)
        return scan
    }

    /// Checks the bundle that `load` returns, walking the scanned folders while it loads (reading
    /// a 100,000-rule manifest takes as long as listing 100,000 files). Rethrows what `load` throws.
    public func verify(loading load: @escaping @Sendable () throws -> LoadedBundle) throws -> VerifyReport {
        final class Loaded: @unchecked Sendable { var result: Result<LoadedBundle, any Error>? }
        let loaded = Loaded()
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global(qos: .userInitiated).async {
            loaded.result = Result { try load() }
            done.signal()
        }
        let scan = startScan(deniedDirectories: nil)
        done.wait()
        return finish(try loaded.result!.get(), scan)
    }

    public func verify(_ bundle: LoadedBundle) -> VerifyReport {
        let platform: Platform = WindowsVolume.looksLikeWindows(root: root) ? .windows : .linux
        return finish(bundle, startScan(deniedDirectories: Self.deniedDirectories(bundle.manifest.rules, platform)))
    }

    static func deniedDirectories(_ rules: [ResolvedRule], _ platform: Platform) -> [String] {
        rules.filter { $0.platform == platform && $0.decision == .deny && $0.pathMatch == .directory }.compactMap(\.path)
    }

    private func finish(_ bundle: LoadedBundle, _ started: Scan) -> VerifyReport {
        var scan = started
        let fs = scan.fs, platform = scan.platform, paths = scan.paths
        // (Filtering copies every rule: skip it in the usual case of a bundle for one platform.)
        let allRules = bundle.manifest.rules
        let rules = allRules.allSatisfy { $0.platform == platform } ? allRules : allRules.filter { $0.platform == platform }
        var findings: [Finding] = []
        var passing = 0  // `ok` results not listed (see `listsPassingChecks`)
        let listsPassing = listsPassingChecks

        // 1. List what the scan covers (the scan locations, and denied directories to search for
        // anything at all), resolve every path a rule names; hash it all in one batch.
        let deniedDirectories = Self.deniedDirectories(rules, platform)
        if !scan.includesDeniedDirectories {
            // Started before the bundle was read: add the denied directories now.
            for location in deniedDirectories {
                if let resolution = resolveLocation(location, scan) { scan.locations.append((location, resolution)) }
            }
        }
        var scanRoots: [RawPath] = []
        var scanned: [String] = []
        // Folders the operator named: one that is absent or not a folder is a finding, not
        // silently nothing scanned (the default locations need not all exist).
        let named = Set(scanLocations ?? [])
        for (location, resolution) in scan.locations {
            switch resolution {
            case .success(let host?):
                scanRoots.append(host)
                if !deniedDirectories.contains(location) { scanned.append(location) }
            case .success(nil):
                if named.contains(location) {
                    findings.append(Finding(.unknown, check: "scan", path: location, actual: "not a folder",
                                            message: "cannot scan \(location): not a folder"))
                }
            case .failure(let problem):
                if problem != .notFound || named.contains(location) {
                    findings.append(Finding(.unknown, check: "scan", path: location, actual: problem.description,
                                            message: "cannot scan \(location): \(problem)"))
                }
            }
        }
        let roots = Self.outermost(scanRoots)
        let listing = roots == scan.walkedRoots ? scan.listing! : TreeWalker(symlinks: .never).walk(roots, recursive: true)
        var links: [RawPath] = []
        for problem in listing.problems {
            switch problem.problem {
            case .symlink: links.append(problem.path)  // checked where they lead, below
            case .notRegularFile: continue  // devices, FIFOs and sockets are not programs
            default:
                let path = fs.endpointPath(of: problem.path)
                findings.append(Finding(.unknown, check: "scan", path: paths.display(path), actual: problem.problem.description,
                                        message: "cannot check \(paths.display(path)): \(problem.problem)"))
            }
        }

        // Everything to hash: the listed files first (entry i is listing.files[i]), then rule
        // targets outside the listing. Each host path is hashed once.
        var entries = listing.files
        var index = EntryIndex(listed: entries)

        var ruleTargets: [Target?] = Array(repeating: nil, count: rules.count)
        for (ruleIndex, rule) in rules.enumerated() {
            guard let path = rule.path, rule.pathMatch == .file, let native = paths.native(path) else { continue }
            // A path the walker listed as a regular file: every directory on the way is a real
            // directory inside the root (the walker descends no symlink, and scan roots are
            // resolved inside the root), so resolving it would find that same file. Skip the lstat.
            if let entry = index.listed(endpoint: native, root: fs.root) {
                ruleTargets[ruleIndex] = .found(host: entries[entry].path, mode: entries[entry].mode,
                                                entry: rule.sha256 != nil ? entry : nil)
                continue
            }
            switch fs.resolve(native) {
            case .found(let host, let info):
                var entry: Int? = nil
                if info.st_mode & S_IFMT == S_IFREG, rule.sha256 != nil {
                    if let known = index[host] {
                        entry = known
                    } else {
                        entry = entries.count
                        index.addExtra(host, at: entries.count)
                        entries.append(FileEntry(host, info))
                    }
                }
                ruleTargets[ruleIndex] = .found(host: host, mode: UInt32(info.st_mode), entry: entry)
            case .problem(let problem):
                ruleTargets[ruleIndex] = .problem(problem)
            }
        }
        // A link in a scanned folder runs the file it leads to, and the enforcers judge that file
        // by its own path: check it there, when the scan has not listed it already.
        var linkTargets: [(entry: Int, link: String)] = []
        for link in links {
            let endpoint = fs.endpointPath(of: link)
            guard case .found(let host, let info) = fs.resolveLink(link), info.st_mode & S_IFMT == S_IFREG,
                  index[host] == nil else { continue }  // dangling, a folder, or checked anyway
            index.addExtra(host, at: entries.count)
            linkTargets.append((entries.count, paths.display(endpoint)))
            entries.append(FileEntry(host, info))
        }
        let digests = hasher.hash(entries: entries)

        // Which listed files a file check already reported (step 3 skips them).
        var reported = [Bool](repeating: false, count: entries.count)
        func markReported(_ host: RawPath, entry: Int?) {
            if let entry = entry ?? index[host] { reported[entry] = true }
        }

        // 2. Allowed and denied files at their paths.
        for (ruleIndex, rule) in rules.enumerated() {
            guard let path = rule.path, let target = ruleTargets[ruleIndex] else { continue }
            let location = rule.provenance.location
            var expected: String? {
                rule.sha256.map { "sha256 \($0)" + (rule.size.map { " size \($0)" } ?? "") }
            }
            switch (rule.decision, target) {
            case (.allow, .problem(.notFound)):
                findings.append(Finding(.missing, check: "file", path: path, expected: expected ?? "present", actual: "absent",
                                        rule: location, message: "allowed file \(path) is missing"))
            case (.deny, .problem(.notFound)):
                if listsPassing {
                    findings.append(Finding(.ok, check: "file", path: path, expected: "absent", actual: "absent", rule: location,
                                            message: "denied file \(path) is absent"))
                } else {
                    passing += 1
                }
            case (_, .problem(let problem)):
                findings.append(Finding(.unknown, check: "file", path: path, actual: problem.description, rule: location,
                                        message: "cannot check \(path): \(problem)"))
            case (_, .found(let host, let mode, let entry)):
                guard mode & UInt32(S_IFMT) == UInt32(S_IFREG) else {
                    findings.append(Finding(.unknown, check: "file", path: path, actual: FileType(mode: mode_t(mode)).description,
                                            rule: location, message: "\(path) is not a regular file"))
                    continue
                }
                guard let wanted = rule.sha256 else {
                    // A path-only rule: presence is all there is to check.
                    let kind: Finding.Kind = rule.decision == .allow ? .ok : .deniedPresent
                    if kind != .ok || listsPassing {
                        findings.append(Finding(kind, check: "file", path: path, expected: rule.decision == .allow ? "present" : "absent",
                                                actual: "present", rule: location,
                                                message: rule.decision == .allow ? "allowed path \(path) is present" : "denied path \(path) is present"))
                    } else {
                        passing += 1
                    }
                    markReported(host, entry: nil)
                    continue
                }
                switch entry.map({ digests[$0].result }) {
                case .success(let digest)?:
                    var actual: String { "sha256 \(digest.sha256.hex) size \(digest.size)" }
                    var same = digest.sha256.matches(hex: wanted) && (rule.size == nil || rule.size == digest.size)
                    var authenticode: String? = nil
                    // On Windows, AppLocker identifies a PE by its Authenticode image hash, which
                    // does not change when only the signature does: compare that too.
                    if !same, platform == .windows, let expectedImage = rule.windows?.appLockerHash,
                       let image = try? AuthenticodeHash.compute(FileByteSource(path: host)) {
                        authenticode = " authenticode \(AppLockerHashText.data(image))"
                        same = image.hex == expectedImage.lowercased()
                    }
                    if rule.decision == .allow {
                        if !same || listsPassing {
                            findings.append(Finding(same ? .ok : .modified, check: "file", path: path, expected: expected,
                                                    actual: actual + (authenticode ?? ""), rule: location,
                                                    message: same ? "allowed file \(path) matches" : "allowed file \(path) was modified"))
                        } else {
                            passing += 1
                        }
                        markReported(host, entry: entry)
                    } else if same {
                        findings.append(Finding(.deniedPresent, check: "file", path: path, expected: "absent",
                                                actual: actual + (authenticode ?? ""), rule: location,
                                                message: "denied file \(path) is present"))
                        markReported(host, entry: entry)
                    } else if listsPassing {
                        findings.append(Finding(.ok, check: "file", path: path, expected: "not \(expected ?? "")",
                                                actual: actual + (authenticode ?? ""), rule: location,
                                                message: "the file at denied path \(path) is not the denied one"))
                    } else {
                        passing += 1
                    }
                case .failure(let problem)?:
                    findings.append(Finding(.unknown, check: "file", path: path, actual: problem.description, rule: location,
                                            message: "cannot check \(path): \(problem)"))
                    markReported(host, entry: entry)
                case nil:
                    findings.append(Finding(.unknown, check: "file", path: path, rule: location, message: "\(path) was not read"))
                }
            }
        }

        // 3. Scanned executables: denied hashes anywhere, unlisted programs, denied directories.
        var coverage: Coverage? = nil  // built on first need: on a host where every file has its rule, never
        // For files that are not programs only denied hashes matter: a small table, not the coverage
        // of every rule (on a 120,000-rule bundle, building that took a tenth of verify's time).
        var deniedHashes: [String: ResolvedRule]? = nil
        // The listed files (entry i is listing.files[i]), then the files that links lead to.
        for position in 0..<(listing.files.count + linkTargets.count) {
            let link = position < listing.files.count ? nil : linkTargets[position - listing.files.count]
            let listed = link?.entry ?? position
            let entry = link == nil && index.hasDuplicates ? index[entries[listed].path]! : listed
            if reported[entry] { continue }
            let endpointPath = fs.endpointPath(of: entries[listed].path)
            let endpoint = paths.display(endpointPath)
            let via = link.map { " (run through the link \($0.link))" } ?? ""
            let digest: FileDigest
            switch digests[listed].result {
            case .success(let d): digest = d
            case .failure(let problem):
                findings.append(Finding(.unknown, check: "scan", path: endpoint, actual: problem.description,
                                        message: "cannot check \(endpoint)\(via): \(problem)"))
                continue
            }
            let kind = FileKind.classify(head: digest.head)
            let isExecutable: Bool
            switch platform {
            case .linux:
                isExecutable = FileKind.isExecutable(kind, mode: digest.mode)
            case .windows:
                // What AppLocker governs; the mode ntfs-3g shows says nothing about it.
                let name = String(decoding: entries[listed].path.lastComponent, as: UTF8.self)
                isExecutable = FileKind.isGovernedByAppLocker(kind, fileName: name)
            }
            let actual = "sha256 \(digest.sha256.hex) size \(digest.size)"
            if deniedHashes == nil { deniedHashes = Coverage.deniedByHash(rules) }
            guard isExecutable else {
                // A denied hash is the denied program whatever its mode; paths and folders deny programs.
                if let denied = deniedHashes![digest.sha256.hex] {
                    findings.append(Finding(.deniedPresent, check: "scan", path: endpoint, expected: "absent", actual: actual,
                                            rule: denied.provenance.location, message: "denied program found at \(endpoint)\(via)"))
                }
                continue
            }
            if coverage == nil {
                var resolved: [Int: RawPath] = [:]
                for (ruleIndex, target) in ruleTargets.enumerated() {
                    if case .found(let host, _, _)? = target { resolved[ruleIndex] = host }
                }
                coverage = Coverage(rules: rules, resolved: resolved, fs: fs, paths: paths, deniedByHash: deniedHashes!)
            }
            let key = paths.key(found: endpointPath)
            if let denied = coverage!.deniedRule(hash: digest.sha256.hex, endpoint: key) {
                findings.append(Finding(.deniedPresent, check: "scan", path: endpoint, expected: "absent", actual: actual,
                                        rule: denied.provenance.location,
                                        message: "denied program found at \(endpoint)\(via)"))
            } else if !coverage!.isAllowed(hash: digest.sha256.hex, endpoint: key) {
                findings.append(Finding(.unlisted, check: "scan", path: endpoint, actual: actual,
                                        message: "executable \(endpoint)\(via) is not allowed by the policy"))
            }
        }

        // 4. Is enforcement deployed?
        if let appLockerEffective {
            findings += AppLockerEffective.compare(effective: appLockerEffective, bundle: bundle)
        }
        if platform == .linux {
            findings += Deployment(fs: fs, bundle: bundle, rootIsHost: Self.isRunningHost(fs.root),
                                   apparmorProfilesFile: apparmorProfilesFile).check()
        }
        if !listsPassing {
            passing += findings.count(where: { $0.kind == .ok })
            findings.removeAll { $0.kind == .ok }
        }
        return VerifyReport(customer: bundle.manifest.customer.id, bundle: bundle.directory,
                            manifestSHA256: SHA256.hash(bundle.manifestBytes).hex,
                            authenticated: bundle.authenticated, root: root, scanned: scanned, findings: findings,
                            passingNotListed: passing)
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

/// Finds hashed entries by host path: the listed files by binary search (the walker lists them
/// sorted by path bytes), rule targets outside the listing in a small dictionary.
struct EntryIndex {
    private let listed: [FileEntry]
    private var extras: [RawPath: Int] = [:]
    /// Whether the listing has a path twice (then the first one stands for both).
    let hasDuplicates: Bool

    init(listed: [FileEntry]) {
        var sorted = true, duplicates = false
        for i in listed.indices.dropFirst() {
            let order = listed[i].path.bytes.withUnsafeBufferPointer { later in
                Self.compare(listed[i - 1].path.bytes, later, UnsafeBufferPointer(start: nil, count: 0))
            }
            if order > 0 { sorted = false } else if order == 0 { duplicates = true }
        }
        if sorted {
            self.listed = listed
            hasDuplicates = duplicates
        } else {
            // Not sorted after all: index every listed file in the dictionary instead.
            self.listed = []
            for (i, entry) in listed.enumerated() where extras[entry.path] == nil { extras[entry.path] = i }
            hasDuplicates = extras.count != listed.count
        }
    }

    mutating func addExtra(_ path: RawPath, at index: Int) { extras[path] = index }

    subscript(path: RawPath) -> Int? {
        path.bytes.withUnsafeBufferPointer { find($0, UnsafeBufferPointer(start: nil, count: 0)) } ?? extras[path]
    }

    /// The listed entry whose host path is `root` + `endpoint`, when `endpoint` needs no resolving:
    /// absolute, with no empty, `.` or `..` component (so no trailing slash either).
    func listed(endpoint: String, root: RawPath) -> Int? {
        var endpoint = endpoint
        endpoint.makeContiguousUTF8()
        return endpoint.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            guard bytes.count > 1, bytes[0] == 0x2F else { return nil }
            var start = 1
            for i in 1...bytes.count where i == bytes.count || bytes[i] == 0x2F {
                let length = i - start
                if length == 0 { return nil }
                if bytes[start] == 0x2E && (length == 1 || (length == 2 && bytes[start + 1] == 0x2E)) { return nil }
                start = i + 1
            }
            let prefix = root.bytes == [0x2F] ? [] : root.bytes
            return prefix.withUnsafeBufferPointer { find($0, bytes) }
        } ?? nil
    }

    /// The first listed entry whose path is `head` followed by `tail`.
    private func find(_ head: UnsafeBufferPointer<UInt8>, _ tail: UnsafeBufferPointer<UInt8>) -> Int? {
        var low = 0, high = listed.count
        while low < high {
            let mid = (low + high) / 2
            if Self.compare(listed[mid].path.bytes, head, tail) < 0 { low = mid + 1 } else { high = mid }
        }
        guard low < listed.count, Self.compare(listed[low].path.bytes, head, tail) == 0 else { return nil }
        return low
    }

    /// Byte order (memcmp, then length) of `path` against `head` + `tail`: negative when `path` comes first.
    static func compare(_ path: [UInt8], _ head: UnsafeBufferPointer<UInt8>, _ tail: UnsafeBufferPointer<UInt8>) -> Int {
        path.withUnsafeBufferPointer { p -> Int in
            let n1 = min(p.count, head.count)
            if n1 > 0 {
                let c = memcmp(p.baseAddress!, head.baseAddress!, n1)
                if c != 0 { return Int(c) }
            }
            if p.count < head.count { return -1 }
            let rest = p.count - head.count
            let n2 = min(rest, tail.count)
            if n2 > 0 {
                let c = memcmp(p.baseAddress! + head.count, tail.baseAddress!, n2)
                if c != 0 { return Int(c) }
            }
            return rest < tail.count ? -1 : (rest > tail.count ? 1 : 0)
        }
    }
}

extension Verifier {
    /// Whether `root` is the running host's `/` (also when written `/.`, `/tmp/..` or through a
    /// link): the same file system and inode. Only then does the kernel's state (loaded AppArmor
    /// profiles) describe what is under the root.
    static func isRunningHost(_ root: RawPath) -> Bool {
        var rootStatus = stat(), hostStatus = stat()
        guard root.withCString({ stat($0, &rootStatus) }) == 0, stat("/", &hostStatus) == 0 else {
            return root.bytes == [0x2F]
        }
        return rootStatus.st_dev == hostStatus.st_dev && rootStatus.st_ino == hostStatus.st_ino
    }
}

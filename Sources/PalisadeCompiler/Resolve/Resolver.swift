import PalisadeCrypto
import PalisadeModel

/// Turns authored policies into concrete rules: hashes reference files, expands reference trees.
///
/// All reference files of all customers are hashed in one parallel batch, each file once.
public struct Resolver: Sendable {
    /// Relative reference paths are taken from here (the repository or CI workspace).
    public var workspace: String
    public var hasher: FileHasher

    public init(workspace: String, hasher: FileHasher = FileHasher()) {
        self.workspace = workspace
        self.hasher = hasher
    }

    public struct Result: Sendable {
        public var customers: [ResolvedCustomer]
        public var diagnostics: [Diagnostic]
        /// Distinct reference files read.
        public var filesHashed: Int
    }

    public func resolve(_ customers: [CustomerPolicy]) -> Result {
        let tables = prepare(customers)
        // Concrete rules per customer, customers in parallel.
        let perCustomer = Parallel.map(customers) { customer in resolve(customer, with: tables) }
        var resolved: [ResolvedCustomer] = []
        var diagnostics: [Diagnostic] = []
        for (customer, customerDiagnostics) in perCustomer {
            resolved.append(customer)
            diagnostics += customerDiagnostics
        }
        return Result(customers: resolved, diagnostics: diagnostics, filesHashed: tables.filesHashed)
    }

    /// Reads every reference file and tree that `customers` name, each once, in one parallel
    /// batch; ``resolve(_:with:)`` then makes any one customer's rules concrete.
    public func prepare(_ customers: [CustomerPolicy]) -> Tables {
        // 1. Everything to read: reference binaries, and the files of reference trees.
        // Reference paths by their bytes: two spellings of "café" are two files.
        var binaryPaths = Set<ExactString>()
        var treePaths = Set<ExactString>()
        for customer in customers {
            for rule in customer.rules {
                switch rule.target {
                case .binary(let reference, _): binaryPaths.insert(ExactString(reference))
                case .tree(let reference, _): treePaths.insert(ExactString(reference))
                default: break
                }
            }
        }
        var treeListings: [ExactString: TreeWalker.Listing] = [:]
        var entries: [RawPath: FileEntry] = [:]
        var binaryProblems: [ExactString: FileProblem] = [:]
        let walker = TreeWalker(symlinks: .operands)
        for reference in treePaths.sorted() {
            let listing = walker.walk([absolute(reference.string)], recursive: true)
            treeListings[reference] = listing
            for file in listing.files { entries[file.path] = file }
        }
        for reference in binaryPaths.sorted() {
            let listing = walker.walk([absolute(reference.string)], recursive: false)
            if let file = listing.files.first {
                entries[file.path] = file
            } else if let problem = listing.problems.first {
                binaryProblems[reference] = problem.problem
            }
        }

        // 2. Hash in one batch.
        let outcomes = hasher.hash(entries: entries.values.sorted { $0.path < $1.path })
        var digests: [RawPath: FileDigest] = [:]
        var readProblems: [RawPath: FileProblem] = [:]
        for outcome in outcomes {
            switch outcome.result {
            case .success(let digest): digests[outcome.path] = digest
            case .failure(let problem): readProblems[outcome.path] = problem
            }
        }

        return Tables(treeListings: treeListings, digests: digests, readProblems: readProblems,
                      binaryProblems: binaryProblems)
    }

    /// What the resolver read, shared by every customer.
    public struct Tables: Sendable {
        var treeListings: [ExactString: TreeWalker.Listing]
        var digests: [RawPath: FileDigest]
        var readProblems: [RawPath: FileProblem]
        var binaryProblems: [ExactString: FileProblem]
        /// Distinct reference files read.
        public var filesHashed: Int { digests.count }
    }

    /// One customer's concrete rules, sorted, and its diagnostics.
    public func resolve(_ customer: CustomerPolicy, with tables: Tables) -> (ResolvedCustomer, [Diagnostic]) {
        let (treeListings, digests, readProblems, binaryProblems) =
            (tables.treeListings, tables.digests, tables.readProblems, tables.binaryProblems)
        var diagnostics: [Diagnostic] = []
        var rules: [ResolvedRule] = []
        rules.reserveCapacity(customer.rules.count)
        for rule in customer.rules {
            let provenance = { (reference: String?) in
                Provenance(location: rule.location, source: rule.target.kindName, reference: reference,
                           baseline: rule.baseline, metadata: rule.metadata)
            }
            switch rule.target {
            case .binary(let reference, let endpointPath):
                let path = absolute(reference)
                guard let digest = digests[path] else {
                    let problem = binaryProblems[ExactString(reference)] ?? readProblems[path] ?? .notFound
                    diagnostics.append(.error("reference file '\(reference)' cannot be read: \(problem)", at: rule.location))
                    continue
                }
                var resolvedRule = make(rule, digest: digest, endpointPath: endpointPath, provenance: provenance(reference))
                guard WindowsResolution.addHash(to: &resolvedRule, file: path, digest: digest, fromTree: false,
                                                at: rule.location, diagnostics: &diagnostics) else { continue }
                rules.append(resolvedRule)

            case .tree(let reference, let mountPoint):
                guard let listing = treeListings[ExactString(reference)], !(listing.files.isEmpty && !listing.problems.isEmpty && listing.problems[0].path == absolute(reference)) else {
                    let problem = treeListings[ExactString(reference)]?.problems.first?.problem ?? .notFound
                    diagnostics.append(.error("reference tree '\(reference)' cannot be read: \(problem)", at: rule.location))
                    continue
                }
                let root = absolute(reference)
                var count = 0
                for file in listing.files {
                    guard let digest = digests[file.path] else {
                        let problem = readProblems[file.path] ?? .notFound
                        diagnostics.append(.error("file '\(file.path)' in reference tree '\(reference)' cannot be read: \(problem)", at: rule.location))
                        continue
                    }
                    let kind = FileKind.classify(head: digest.head)
                    guard FileKind.isExecutable(kind, mode: digest.mode) else { continue }
                    let relative = Array(file.path.bytes.dropFirst(root.bytes.count + (root.bytes.last == 0x2F ? 0 : 1)))
                    guard let relativeText = String(validating: relative, as: UTF8.self) else {
                        diagnostics.append(.error("file '\(file.path.description)' in reference tree '\(reference)' has a name that is not UTF-8; rename it or list it by hash", at: rule.location))
                        continue
                    }
                    let endpointPath = join(mountPoint, relativeText, platform: rule.platform)
                    if let problem = EndpointPathCheck.problem(with: endpointPath, platform: rule.platform) {
                        diagnostics.append(.error("\(rule.platform.rawValue) endpoint path '\(endpointPath)' from reference tree '\(reference)' \(problem)", at: rule.location))
                        continue
                    }
                    var resolvedRule = make(rule, digest: digest, endpointPath: endpointPath,
                                            provenance: provenance(reference + "/" + relativeText))
                    guard WindowsResolution.addHash(to: &resolvedRule, file: file.path, digest: digest, fromTree: true,
                                                    at: rule.location, diagnostics: &diagnostics) else { continue }
                    rules.append(resolvedRule)
                    count += 1
                }
                for problem in listing.problems where problem.problem != .symlink {
                    diagnostics.append(.warning("skipped '\(problem.path.description)' in reference tree '\(reference)': \(problem.problem)", at: rule.location))
                }
                if count == 0 {
                    diagnostics.append(.warning("reference tree '\(reference)' contains no executables", at: rule.location))
                }

            case .sha256(let hex, let endpointPath):
                // Vendors publish upper-case digests too; lowercased() only when needed, as it
                // always builds a new string (a malformed digest is reported by the policy checks).
                let lower = HexDigest.isSHA256(hex, allowingUpperCase: false) ? hex : hex.lowercased()
                var resolvedRule = ResolvedRule(decision: rule.decision, platform: rule.platform, sha256: lower,
                                                path: endpointPath, pathMatch: endpointPath == nil ? nil : .file,
                                                windows: windowsAttributes(rule, path: endpointPath, kind: nil, hash: nil),
                                                provenance: provenance(nil))
                WindowsResolution.addLiteralHash(to: &resolvedRule)
                rules.append(consume resolvedRule)  // moved, not copied (a retain per string)

            case .path(let endpointPath):
                rules.append(ResolvedRule(decision: rule.decision, platform: rule.platform, path: endpointPath,
                                          pathMatch: .file,
                                          windows: windowsAttributes(rule, path: endpointPath, kind: nil, hash: nil),
                                          provenance: provenance(nil)))

            case .directory(let directory):
                let separator = rule.platform == .linux ? "/" : "\\"
                let normalized = directory.hasSuffix(separator) ? directory : directory + separator
                rules.append(ResolvedRule(decision: rule.decision, platform: rule.platform, path: normalized,
                                          pathMatch: .directory,
                                          windows: windowsAttributes(rule, path: nil, kind: nil, hash: nil),
                                          provenance: provenance(nil)))

            case .publisher(var condition):
                if let reference = condition.reference {
                    guard let filled = WindowsResolution.fillPublisher(condition, file: absolute(reference),
                                                                       at: rule.location, diagnostics: &diagnostics)
                    else { continue }
                    condition = filled
                }
                var attributes = windowsAttributes(rule, path: nil, kind: .pe, hash: nil)
                attributes?.publisher = condition
                rules.append(ResolvedRule(decision: rule.decision, platform: rule.platform, windows: attributes,
                                          provenance: provenance(condition.reference)))
            }
        }
        let resolvedCustomer = ResolvedCustomer(id: customer.id, displayName: customer.displayName, mode: customer.mode,
                                                backendModes: customer.backendModes,
                                                linuxConfinement: customer.linuxConfinement,
                                                rules: rules.sortedByKey(), location: customer.location,
                                                appLockerDefaultRules: customer.appLockerDefaultRules)
        return (resolvedCustomer, diagnostics.forCustomer(customer.id))
    }

    private func make(_ rule: PolicyRule, digest: FileDigest, endpointPath: String, provenance: Provenance) -> ResolvedRule {
        let kind = FileKind.classify(head: digest.head)
        return ResolvedRule(decision: rule.decision, platform: rule.platform, sha256: digest.sha256.hex, size: digest.size,
                            path: endpointPath, pathMatch: .file, fileKind: kind,
                            windows: windowsAttributes(rule, path: endpointPath, kind: kind, hash: nil),
                            provenance: provenance)
    }

    private func windowsAttributes(_ rule: PolicyRule, path: String?, kind: FileKind?, hash: String?) -> ResolvedWindowsAttributes? {
        guard rule.platform == .windows else { return nil }
        let collection = rule.windows?.collection ?? FileClassifier.appLockerCollection(path: path ?? "", kind: kind)
        return ResolvedWindowsAttributes(collection: collection, userOrGroupSID: rule.windows?.userOrGroupSID ?? "S-1-1-0",
                                         appLockerHash: hash)
    }

    private func absolute(_ reference: String) -> RawPath {
        reference.hasPrefix("/") ? RawPath(reference) : RawPath(workspace).appending(reference)
    }

    private func join(_ mountPoint: String, _ relative: String, platform: Platform) -> String {
        switch platform {
        case .linux:
            return mountPoint.hasSuffix("/") ? mountPoint + relative : mountPoint + "/" + relative
        case .windows:
            let windowsRelative = String(relative.map { $0 == "/" ? "\\" : $0 })
            return mountPoint.hasSuffix("\\") ? mountPoint + windowsRelative : mountPoint + "\\" + windowsRelative
        }
    }
}

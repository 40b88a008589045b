import PalisadeCrypto
import PalisadeModel

/// The whole compile: check → resolve → check conflicts → emit → assemble bundles.
/// Pure apart from reading reference files; writing is the ``BundleWriter``'s job.
public struct Compiler: Sendable {
    public var workspace: String
    public var today: CalendarDate
    public var backends: [any BackendEmitter]
    public var hasher: FileHasher

    public init(workspace: String, today: CalendarDate, backends: [any BackendEmitter] = Backends.all,
                hasher: FileHasher = FileHasher()) {
        self.workspace = workspace
        self.today = today
        self.backends = backends
        self.hasher = hasher
    }

    public struct Summary: Codable, Hashable, Sendable {
        public var customer: String
        public var rules: Int
        public var allowRules: Int
        public var denyRules: Int
        public var files: [String]
        public var warnings: Int
    }

    public struct Output: Sendable {
        /// Empty when there are errors: nothing may be written then.
        public var bundles: [BundleContents]
        public var diagnostics: [Diagnostic]
        public var summaries: [Summary]
        /// Distinct reference files hashed.
        public var filesHashed: Int
        public var hasErrors: Bool { diagnostics.hasErrors }
    }

    /// Compiles `customers` (all of them; pick with `only` before calling to build fewer).
    public func compile(_ customers: [CustomerPolicy]) -> Output {
        var diagnostics = PolicyChecks(today: today).check(customers)
        let resolved = Resolver(workspace: workspace, hasher: hasher).resolve(customers)
        diagnostics += resolved.diagnostics

        var bundles: [BundleContents] = []
        var summaries: [Summary] = []
        for customer in resolved.customers {
            let (checked, conflicts) = ConflictChecks.check(customer)
            diagnostics += conflicts.forCustomer(customer.id)
            var outputs: [(Backend, EmitterOutput)] = []
            for emitter in backends {
                var output = emitter.emit(checked)
                output.diagnostics = output.diagnostics.map {
                    var d = $0
                    if d.backend == nil { d.backend = emitter.backend }
                    return d
                }.forCustomer(customer.id)
                outputs.append((emitter.backend, output))
                diagnostics += output.diagnostics
            }
            do {
                let bundle = try BundleAssembler.assemble(checked, outputs: outputs)
                bundles.append(bundle)
                let customerWarnings = diagnostics.filter { $0.severity == .warning && $0.customer == checked.id }
                summaries.append(Summary(customer: checked.id, rules: checked.rules.count,
                                         allowRules: checked.rules.filter { $0.decision == .allow }.count,
                                         denyRules: checked.rules.filter { $0.decision == .deny }.count,
                                         files: bundle.files.keys.sorted(), warnings: customerWarnings.count))
            } catch {
                diagnostics.append(.error("cannot encode the manifest of '\(checked.id)': \(error)", at: checked.location))
            }
        }
        let sorted = diagnostics.sortedForDisplay().uniqued()
        return Output(bundles: sorted.hasErrors ? [] : bundles, diagnostics: sorted, summaries: summaries,
                      filesHashed: resolved.filesHashed)
    }
}

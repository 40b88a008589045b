import CSystem
import PalisadeCrypto
import PalisadeModel

/// The whole compile: check → resolve → check conflicts → emit → assemble bundles.
/// Pure apart from reading reference files; writing is the ``BundleWriter``'s job.
public struct Compiler: Sendable {
    /// Call once, early, in a process that compiles a large MSP: keeps the memory of one
    /// customer's freed buffers for the next instead of returning it to the kernel and faulting
    /// it in again (measured: a third of the build's system time at 1,000 × 1,000 rules).
    /// Process-wide malloc settings, so left to the program, not done by ``compile(_:)``.
    public static func tuneAllocatorForBatch() { palisade_keep_freed_memory() }

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
    public func compile(_ customers: [CustomerPolicy]) -> Output { compile(customers, handingOver: nil) }

    /// Compiles like ``compile(_:)``, but hands each customer's bundle to `handOver` as soon as it
    /// is assembled (on the worker that compiled it, several at a time) instead of keeping them all:
    /// memory stays bounded by the customers in flight. `Output.bundles` is then empty. The hand-over
    /// happens before all diagnostics are known: stage bundles, and commit them only when the
    /// output has no errors.
    public func compile(_ customers: [CustomerPolicy],
                        handOver: @escaping @Sendable (BundleContents) -> Void) -> Output {
        compile(customers, handingOver: handOver)
    }

    private func compile(_ customers: [CustomerPolicy],
                         handingOver handOver: (@Sendable (BundleContents) -> Void)?) -> Output {
        var diagnostics = PolicyChecks(today: today).check(customers)
        let resolver = Resolver(workspace: workspace, hasher: hasher)
        let tables = resolver.prepare(customers)

        // Customers are independent from here on: each is resolved, checked, emitted and
        // assembled on one core, largest first, and only the customers in flight are in memory.
        let order = customers.indices.sorted { customers[$0].rules.count > customers[$1].rules.count }
        let policyErrors = diagnostics.hasErrors
        let perCustomer = Parallel.map(customers, order: order) { policy in
            let (customer, resolveDiagnostics) = resolver.resolve(policy, with: tables)
            var (bundle, summary, compileDiagnostics) = compileResolved(customer)
            summary.warnings += resolveDiagnostics.filter { $0.severity == .warning }.count
            let diagnostics = resolveDiagnostics + compileDiagnostics
            guard let handOver else { return (Optional(bundle), summary, diagnostics) }
            // A build with errors writes nothing: no need to hand over what would be discarded.
            if !policyErrors && !diagnostics.hasErrors { handOver(bundle) }
            return (nil, summary, diagnostics)
        }
        var earlierWarnings: [String: Int] = [:]  // from the policy checks
        for diagnostic in diagnostics where diagnostic.severity == .warning {
            if let id = diagnostic.customer { earlierWarnings[id, default: 0] += 1 }
        }
        var bundles: [BundleContents] = []
        var summaries: [Summary] = []
        for (bundle, summary, customerDiagnostics) in perCustomer {
            if let bundle { bundles.append(bundle) }
            var summary = summary
            summary.warnings += earlierWarnings[summary.customer] ?? 0
            summaries.append(summary)
            diagnostics += customerDiagnostics
        }
        let sorted = diagnostics.sortedForDisplay().uniqued()
        return Output(bundles: sorted.hasErrors ? [] : bundles, diagnostics: sorted, summaries: summaries,
                      filesHashed: tables.filesHashed)
    }

    /// Conflict checks, every backend and the bundle of one resolved customer.
    func compileResolved(_ customer: ResolvedCustomer) -> (BundleContents, Summary, [Diagnostic]) {
        let (checked, conflicts) = ConflictChecks.check(customer)
        var diagnostics = conflicts.forCustomer(customer.id)
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
        let bundle = BundleAssembler.assemble(checked, outputs: outputs)
        var allowRules = 0
        for index in checked.rules.indices where checked.rules[index].decision == .allow { allowRules += 1 }
        let summary = Summary(customer: checked.id, rules: checked.rules.count, allowRules: allowRules,
                              denyRules: checked.rules.count - allowRules, files: bundle.files.keys.sorted(),
                              warnings: diagnostics.filter { $0.severity == .warning }.count)
        return (bundle, summary, diagnostics)
    }
}

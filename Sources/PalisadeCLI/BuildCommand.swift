import ArgumentParser
import Foundation
import PalisadeCompiler
import PalisadeModel
import Synchronization

/// `palisade build`: compile `policies/` into one bundle per customer.
struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Compile the policies into a bundle per customer under generated/.",
        discussion: """
            Checks every policy like a compiler (diagnostics on stderr as FILE:LINE: severity: message). \
            Any error writes nothing and exits 2. Each customer's folder is replaced atomically; a failed \
            or interrupted build leaves the previous bundle as it was. With --check nothing is written: \
            the command lists what differs from DIR and exits 1 when DIR is stale.
            """)

    @Option(name: .customLong("customer"), help: "Build only this customer (repeatable).")
    var customers: [String] = []

    @Option(help: "Output folder.")
    var out: String = "generated"

    @Flag(help: "Compare with the output folder instead of writing; exit 1 when it is stale.")
    var check = false

    @Option(help: "Folder that relative reference paths in policies start from (default: current folder).")
    var workspace: String?

    @Option(help: ArgumentHelp("Date used for expiry checks (YYYY-MM-DD); default: today, UTC.", visibility: .hidden))
    var today: String?

    @Option(help: "Output format for the summary: text or json.")
    var format: OutputFormat = .text

    @Option(help: "Sign each manifest with this Ed25519 private key (PEM or DER); or set PALISADE_SIGN_KEY to the PEM text.")
    var signKey: String?

    func run() throws {
        let compilation = PolicyCompilation(customers: customers, workspace: workspace, today: today)
        if check {
            let output = try compilation.run()
            let differences = BundleComparison.compare(output.bundles, with: out, allCustomers: customers.isEmpty)
            report(output, differences: differences)
            if !differences.isEmpty { throw PalisadeExit.findings }
            return
        }

        // Each bundle is signed and staged beside its folder as soon as it is compiled; all are
        // flushed and swapped in once the whole build is known to be free of errors.
        let signer = try SigningKey.load(path: signKey)
        let writer = BundleWriter(outputDirectory: out)
        let staging = Mutex<(staged: [BundleWriter.Staged], error: (any Error)?)>(([], nil))
        let output: Compiler.Output
        do {
            output = try compilation.run { bundle in
                do {
                    let signed = try signer.map { try BundleSigner.sign(bundle, with: $0) } ?? bundle
                    let staged = try writer.stage(signed)
                    staging.withLock { $0.staged.append(staged) }
                } catch {
                    staging.withLock { $0.error = $0.error ?? error }
                }
            }
        } catch {
            writer.discard(staging.withLock { $0.staged })
            throw error
        }
        let (staged, stagingError) = staging.withLock { ($0.staged, $0.error) }
        do {
            if let stagingError { throw stagingError }
            try writer.commit(staged)
        } catch {
            writer.discard(staged)
            Terminal.err("palisade: error: writing the bundles: \(error); every bundle not yet replaced is unchanged\n")
            throw PalisadeExit.cannotRun
        }
        var removed: [String] = []
        if customers.isEmpty {
            removed = try BundleComparison.staleBundles(in: out, keeping: Set(output.summaries.map(\.customer)))
            for id in removed { try BundleWriter(outputDirectory: out).removeBundle(id) }
        }
        report(output, differences: nil, removed: removed)
    }

    private func report(_ output: Compiler.Output, differences: [BundleComparison.Difference]?, removed: [String] = []) {
        let warnings = output.diagnostics.filter { $0.severity == .warning }.count
        switch format {
        case .text:
            var text = ""
            for s in output.summaries {
                text += "\(s.customer): \(s.rules) rules (\(s.allowRules) allow, \(s.denyRules) deny), \(s.files.count) files, \(s.warnings) warning\(s.warnings == 1 ? "" : "s")"
                text += check ? "\n" : " → \(out)/\(s.customer)\n"
            }
            for id in removed { text += "removed \(out)/\(id): no such customer any more\n" }
            text += "\(output.summaries.count) customer\(output.summaries.count == 1 ? "" : "s"), \(output.filesHashed) reference files hashed, \(warnings) warning\(warnings == 1 ? "" : "s")\n"
            if let differences {
                if differences.isEmpty {
                    text += "\(out) is up to date\n"
                } else {
                    for d in differences { text += "stale: \(d)\n" }
                    text += "\(out) is stale: \(differences.count) difference\(differences.count == 1 ? "" : "s"); run `palisade build`\n"
                }
            }
            Terminal.out(text)
        case .json:
            let report = BuildReport(customers: output.summaries, filesHashed: output.filesHashed,
                                     diagnostics: output.diagnostics, removed: removed,
                                     stale: differences.map { $0.map(\.description) }, output: out)
            if let bytes = try? JSON.encode(report) { Terminal.write(bytes) }
        }
    }
}

/// Selecting customers, compiling them and printing diagnostics: shared by `build` and `publish`.
struct PolicyCompilation {
    var customers: [String]
    var workspace: String?
    var today: String?

    /// Compiles; prints diagnostics to stderr; throws exit 2 on policy errors (nothing written).
    /// With `handOver`, bundles go there as they are compiled instead of into the output.
    func run(handOver: (@Sendable (BundleContents) -> Void)? = nil) throws -> Compiler.Output {
        Compiler.tuneAllocatorForBatch()
        guard let all = PolicySource.customers else {
            Terminal.err("palisade: error: this binary carries no policies (it is the endpoint build); run `palisade build` from the policy repository\n")
            throw PalisadeExit.cannotRun
        }
        var selected = all
        if !customers.isEmpty {
            let known = Set(all.map(\.id))
            for id in customers where !known.contains(id) {
                Terminal.err("palisade: error: no customer '\(id)'; known: \(known.sorted().joined(separator: ", "))\n")
                throw PalisadeExit.cannotRun
            }
            selected = all.filter { customers.contains($0.id) }
        }
        let date = try today.map { text -> CalendarDate in
            let date = CalendarDate(text)
            guard date.isValid else { throw ValidationError("--today '\(text)' is not YYYY-MM-DD") }
            return date
        } ?? CalendarDate.todayUTC()

        let compiler = Compiler(workspace: workspace ?? FileManager.default.currentDirectoryPath, today: date)
        let output = handOver.map { compiler.compile(selected, handOver: $0) } ?? compiler.compile(selected)
        for diagnostic in output.diagnostics { Terminal.err(diagnostic.description + "\n") }
        if output.hasErrors {
            let count = output.diagnostics.filter { $0.severity == .error }.count
            Terminal.err("palisade: \(count) error\(count == 1 ? "" : "s"); nothing was written\n")
            throw PalisadeExit.cannotRun
        }
        return output
    }
}

/// `palisade build --format json`:
/// `{"customers": [summary…], "diagnostics": […], "filesHashed": N, "output": DIR, "removed": [id…],
///   "stale": [difference…] (only with --check)}`.
struct BuildReport: Encodable {
    var customers: [Compiler.Summary]
    var filesHashed: Int
    var diagnostics: [Diagnostic]
    var removed: [String]
    var stale: [String]?
    var output: String
}

extension CalendarDate {
    /// Today's date in UTC.
    static func todayUTC() -> CalendarDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: Date())
        return CalendarDate(year: parts.year!, month: parts.month!, day: parts.day!)
    }
}

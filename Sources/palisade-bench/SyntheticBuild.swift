#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import Synchronization
import PalisadeCompiler
import PalisadeCrypto
import PalisadeModel

/// `palisade-bench build [--customers N] [--rules M]`: the compiler's throughput on a synthetic
/// MSP of N customers × M literal-hash rules (built programmatically, no reference files), through
/// resolve + checks + every emitter + bundle writing into a temporary folder. Prints key=value lines.
enum SyntheticBuild {
    static func run(customers: Int, rules: Int) {
        let policies = (0..<customers).map { c in
            CustomerPolicy(id: "customer-\(c)", displayName: "Customer \(c)", mode: c % 2 == 0 ? .enforce : .audit,
                           rules: (0..<rules).map { r in
                               let n = c &* 1_000_003 &+ r
                               let hash = SHA256.hash(withUnsafeBytes(of: n) { Array($0) }).hex
                               return PolicyRule(decision: r % 10 == 0 ? .deny : .allow, platform: .linux,
                                                 target: .sha256(hex: hash, endpointPath: "/opt/app\(c)/bin/tool-\(r)"),
                                                 location: SourceLocation(file: "policies/synthetic.swift", line: r + 1))
                           },
                           location: SourceLocation(file: "policies/synthetic.swift", line: 1))
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("palisade-bench-build-\(getpid())").path
        defer { if ProcessInfo.processInfo.environment["BENCH_KEEP"] == nil { try? FileManager.default.removeItem(atPath: out) } }
        Compiler.tuneAllocatorForBatch()  // as `palisade build` does
        let rssBefore = peakRSSKiB()
        let cpuBefore = cpuSeconds()
        let start = Date()
        // As `palisade build` does: each bundle staged as soon as it is compiled, then all
        // flushed and swapped in at once.
        let writer = BundleWriter(outputDirectory: out)
        let staged = Mutex<[BundleWriter.Staged]>([])
        let output = Compiler(workspace: "/", today: "2026-11-30").compile(policies) { bundle in
            do {
                let bundle = try writer.stage(bundle)
                staged.withLock { $0.append(bundle) }
            } catch {
                fatalError("staging failed: \(error)")
            }
        }
        let compiled = Date()
        do { try writer.commit(staged.withLock { $0 }) } catch { fatalError("write failed: \(error)") }
        let end = Date()
        let cpu = cpuSeconds() - cpuBefore
        let total = customers * rules
        let seconds = end.timeIntervalSince(start)
        let peak = peakRSSKiB()
        print("customers=\(customers)")
        print("rules=\(total)")
        print("errors=\(output.diagnostics.filter { $0.severity == .error }.count)")
        print("compile_and_stage_seconds=\(compiled.timeIntervalSince(start))")
        print("flush_and_swap_seconds=\(end.timeIntervalSince(compiled))")
        print("total_seconds=\(seconds)")
        print("cpu_seconds=\(cpu)")
        print("rules_per_second=\(Int(Double(total) / seconds))")
        print("peak_rss_kib=\(peak)")
        print("rss_before_kib=\(rssBefore)")
        print("peak_rss_bytes_per_rule=\(Int(Double(peak) * 1024 / Double(total)))")
    }

    /// User + system CPU time of the whole process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1_000_000 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    static func peakRSSKiB() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss
    }
}

/// `palisade-bench verify-bundle ROOT OUT`: a bundle (customer "bench") that allows every regular
/// file under ROOT/usr by path, size and SHA-256, and the matching `sha256sum -c` list at
/// OUT/sha256sum.list (paths relative to ROOT), for comparing `verify` with `sha256sum -c`.
enum VerifyBundle {
    static func run(root: String, out: String) {
        let outcomes = FileHasher().hash([RawPath(root + "/usr")], recursive: true, symlinks: .never)
        var rules: [ResolvedRule] = []
        var list: [UInt8] = []
        for outcome in outcomes {
            guard let digest = outcome.digest, let full = digest.path.string else { continue }
            let endpoint = String(full.dropFirst(root.count))
            // sha256sum -c reads one name per line; skip names it would need escaped.
            guard !endpoint.contains("\n"), !endpoint.contains("\\") else { continue }
            rules.append(ResolvedRule(decision: .allow, platform: .linux, sha256: digest.sha256.hex, size: digest.size,
                                      path: endpoint, pathMatch: .file,
                                      provenance: Provenance(location: SourceLocation(file: "policies/bench.swift", line: 1),
                                                             source: "tree")))
            list += Array("\(digest.sha256.hex)  .\(endpoint)\n".utf8)
        }
        let customer = ResolvedCustomer(id: "bench", displayName: "Bench", mode: .audit, backendModes: [:],
                                        linuxConfinement: nil, rules: rules.sortedByKey(),
                                        location: SourceLocation(file: "policies/bench.swift", line: 1))
        do {
            let bundle = BundleAssembler.assemble(customer, outputs: [])
            try BundleWriter(outputDirectory: out).write(bundle)
            try Data(list).write(to: URL(fileURLWithPath: out + "/sha256sum.list"))
        } catch {
            fatalError("cannot write the bench bundle: \(error)")
        }
        print("files=\(rules.count)")
    }
}

import Foundation
import PalisadeCompiler
import PalisadeDSL
import PalisadeModel
import PalisadeTestSupport
import Policies
import Synchronization
import Testing

/// Determinism, atomic replacement and golden manifests of the example policies.
@Suite("Bundles")
struct BundleTests {
    static let today: CalendarDate = "2026-11-30"
    var workspace: String { Paths.packageRoot.path }

    func compileExamples(_ customers: [CustomerPolicy] = PolicyRegistry.customers) -> Compiler.Output {
        Compiler(workspace: workspace, today: Self.today).compile(customers)
    }

    @Test func examplesCompileWithoutErrors() {
        let output = compileExamples()
        #expect(!output.hasErrors, "\(output.diagnostics.map(\.description))")
        #expect(output.bundles.map(\.customerID).sorted() == ["acme", "globex", "initech"])
    }

    @Test func buildIsDeterministicWhateverTheRuleOrder() throws {
        let first = compileExamples()
        let second = compileExamples()
        #expect(first.bundles == second.bundles)

        // Shuffled rules and customers give the same bytes.
        var generator = SystemRandomNumberGenerator()
        let shuffled = PolicyRegistry.customers.shuffled(using: &generator).map { customer -> CustomerPolicy in
            var copy = customer
            copy.rules.shuffle(using: &generator)
            return copy
        }
        let third = compileExamples(shuffled)
        let sortedByID = { (b: [BundleContents]) in b.sorted { $0.customerID < $1.customerID } }
        #expect(sortedByID(third.bundles) == sortedByID(first.bundles))

        // Written twice to disk: byte-identical trees.
        let a = try TemporaryDirectory(), b = try TemporaryDirectory()
        for bundle in first.bundles { try BundleWriter(outputDirectory: a.path).write(bundle) }
        for bundle in second.bundles { try BundleWriter(outputDirectory: b.path).write(bundle) }
        let diff = try run("/usr/bin/diff", ["-r", a.path, b.path])
        #expect(diff.status == 0, "\(diff.out)")
    }

    @Test func manifestListsEveryOtherFileWithItsHash() throws {
        for bundle in compileExamples().bundles {
            let manifest = try JSONDecoder().decode(BundleManifest.self, from: Data(bundle.files["manifest.json"]!))
            #expect(manifest.customer.id == bundle.customerID)
            #expect(manifest.modelVersion == PolicyModel.version)
            #expect(Set(manifest.files.keys) == Set(bundle.files.keys).subtracting(["manifest.json"]))
            for (path, record) in manifest.files {
                let bytes = bundle.files[path]!
                #expect(record.size == Int64(bytes.count))
                let check = try run("/usr/bin/sha256sum", ["-"], stdin: Data(bytes))
                #expect(check.out.hasPrefix(record.sha256))
            }
            #expect(bundle.files.values.allSatisfy { !$0.contains(0x0D) })  // LF endings only
        }
    }

    @Test func goldenManifests() throws {
        let goldenDirectory = Paths.packageRoot.appendingPathComponent("Tests/PalisadeCompilerTests/Golden")
        let update = ProcessInfo.processInfo.environment["PALISADE_UPDATE_GOLDEN"] == "1"
        for bundle in compileExamples().bundles {
            let golden = goldenDirectory.appendingPathComponent("\(bundle.customerID).manifest.json")
            let actual = Data(bundle.files["manifest.json"]!)
            if update {
                try FileManager.default.createDirectory(at: goldenDirectory, withIntermediateDirectories: true)
                try actual.write(to: golden)
                continue
            }
            let expected = try Data(contentsOf: golden)
            #expect(actual == expected, "manifest of \(bundle.customerID) differs from \(golden.path); if intended, rerun with PALISADE_UPDATE_GOLDEN=1")
        }
    }

    @Test func failedWriteLeavesThePreviousBundleAndNoTemporaryFolder() throws {
        let out = try TemporaryDirectory()
        let bundles = compileExamples().bundles
        let acme = try #require(bundles.first { $0.customerID == "acme" })
        try BundleWriter(outputDirectory: out.path).write(acme)
        let before = try snapshot(out.path + "/acme")

        var changed = acme
        changed.files["manifest.json"]! += Array("changed".utf8)
        changed.files["extra/file"] = [1, 2, 3]
        var failing = BundleWriter(outputDirectory: out.path)
        failing.failAfterFiles = 1
        #expect(throws: BundleWriter.WriteError.self) { try failing.write(changed) }
        #expect(try snapshot(out.path + "/acme") == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["acme"])
    }

    @Test func aBatchWithOneUnwritableBundleReplacesNoBundle() throws {
        let out = try TemporaryDirectory()
        let bundles = compileExamples().bundles
        try BundleWriter(outputDirectory: out.path).write(bundles)
        let before = try bundles.map { try snapshot(out.path + "/" + $0.customerID) }

        var changed = bundles.map { bundle -> BundleContents in
            var copy = bundle
            copy.files["added.txt"] = Array("new".utf8)
            return copy
        }
        // A file and a folder of the same name: this one bundle cannot be written.
        changed[1].files["clash"] = [1]
        changed[1].files["clash/inside"] = [2]
        #expect(throws: BundleWriter.WriteError.self) { try BundleWriter(outputDirectory: out.path).write(changed) }
        #expect(try bundles.map { try snapshot(out.path + "/" + $0.customerID) } == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == bundles.map(\.customerID).sorted())

        // Without the clash, the same batch replaces every bundle.
        changed[1].files["clash"] = nil
        changed[1].files["clash/inside"] = nil
        try BundleWriter(outputDirectory: out.path).write(changed)
        #expect(try changed.map { try snapshot(out.path + "/" + $0.customerID) } == changed.map(\.files))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == bundles.map(\.customerID).sorted())
    }

    @Test func handingOverGivesTheSameBundlesAndNothingWhenThereAreErrors() throws {
        let expected = compileExamples()
        let handed = Mutex<[BundleContents]>([])
        let streamed = Compiler(workspace: workspace, today: Self.today).compile(PolicyRegistry.customers) { bundle in
            handed.withLock { $0.append(bundle) }
        }
        #expect(streamed.bundles.isEmpty)
        #expect(streamed.summaries == expected.summaries)
        #expect(handed.withLock { $0 }.sorted { $0.customerID < $1.customerID } == expected.bundles.sorted { $0.customerID < $1.customerID })

        // One customer with an error: no customer's bundle is handed over.
        var broken = PolicyRegistry.customers
        broken[0].rules.append(PolicyRule(decision: .allow, platform: .linux, target: .sha256(hex: "not-a-hash", endpointPath: "/x"),
                                          location: SourceLocation(file: "policies/x.swift", line: 1)))
        let none = Mutex(0)
        let failed = Compiler(workspace: workspace, today: Self.today).compile(broken) { _ in none.withLock { $0 += 1 } }
        #expect(failed.hasErrors)
        #expect(none.withLock { $0 } == 0)
    }

    @Test func leftoversOfAKilledBuildAreRemovedByTheNextBuild() throws {
        let out = try TemporaryDirectory()
        let acme = try #require(compileExamples().bundles.first { $0.customerID == "acme" })
        try BundleWriter(outputDirectory: out.path).write(acme)
        // What a build killed mid-write leaves: a temporary folder beside the bundle.
        try out.write(".acme.palisade-tmp-99999/manifest.json", "partial")
        try BundleWriter(outputDirectory: out.path).write(acme)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["acme"])
    }

    @Test func replacingABundleSwapsItWhole() throws {
        let out = try TemporaryDirectory()
        let acme = try #require(compileExamples().bundles.first { $0.customerID == "acme" })
        var old = acme
        old.files["obsolete.txt"] = Array("old".utf8)
        try BundleWriter(outputDirectory: out.path).write(old)
        try BundleWriter(outputDirectory: out.path).write(acme)
        #expect(try snapshot(out.path + "/acme") == acme.files)
    }

    @Test func checkDetectsAByteChangeAMissingFileAndAnExtraBundle() throws {
        let out = try TemporaryDirectory()
        let bundles = compileExamples().bundles
        for bundle in bundles { try BundleWriter(outputDirectory: out.path).write(bundle) }
        #expect(BundleComparison.compare(bundles, with: out.path, allCustomers: true).isEmpty)

        let install = out.path + "/acme/INSTALL.md"
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: install)))
        bytes[10] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: install))
        try FileManager.default.removeItem(atPath: out.path + "/globex/manifest.json")
        try out.write("gone-customer/manifest.json", "{}")

        let differences = BundleComparison.compare(bundles, with: out.path, allCustomers: true)
        #expect(differences.contains(.changedFile(install)))
        #expect(differences.contains(.missingFile(out.path + "/globex/manifest.json")))
        #expect(differences.contains(.extraBundle(out.path + "/gone-customer")))
        #expect(differences.count == 3)
    }

    func snapshot(_ root: String) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)!
        while let path = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory)
            if !isDirectory.boolValue { out[path] = Array(try Data(contentsOf: URL(fileURLWithPath: root + "/" + path))) }
        }
        return out
    }
}

import Foundation
import PalisadeCrypto
import PalisadeModel

/// Compares freshly built bundles with what is on disk (`build --check`).
public enum BundleComparison {
    public enum Difference: Hashable, Sendable, CustomStringConvertible {
        case missingBundle(String)
        case missingFile(String)
        case changedFile(String)
        case extraFile(String)
        case extraBundle(String)

        public var description: String {
            switch self {
            case .missingBundle(let p): return "\(p): bundle missing"
            case .missingFile(let p): return "\(p): missing"
            case .changedFile(let p): return "\(p): differs"
            case .extraFile(let p): return "\(p): not produced by the policy any more"
            case .extraBundle(let p): return "\(p): bundle of a customer that no longer exists"
            }
        }
    }

    /// Files compared byte for byte. `manifest.sig` is ignored: CI adds it after the build.
    public static func compare(_ bundles: [BundleContents], with directory: String, allCustomers: Bool) -> [Difference] {
        var differences: [Difference] = []
        for bundle in bundles.sorted(by: { $0.customerID < $1.customerID }) {
            let root = directory + "/" + bundle.customerID
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
                differences.append(.missingBundle(root))
                continue
            }
            let onDisk = Set(TreeWalker().entries(under: RawPath(root)).entries)
            for path in bundle.files.keys.sorted() {
                let full = root + "/" + path
                guard onDisk.contains(Array(path.utf8)), let data = FileManager.default.contents(atPath: full) else {
                    differences.append(.missingFile(full))
                    continue
                }
                if Array(data) != bundle.files[path]! { differences.append(.changedFile(full)) }
            }
            // By bytes: a name that is not UTF-8 is an extra file like any other.
            let expected = Set(bundle.files.keys.map { Array($0.utf8) } + [Array(BundleManifest.signatureFileName.utf8)])
            for path in onDisk.sorted(by: { ByteOrder.precedes($0, $1) == true }) where !expected.contains(path) {
                differences.append(.extraFile(root + "/" + String(decoding: path, as: UTF8.self)))
            }
        }
        if allCustomers, let stale = try? staleBundles(in: directory, keeping: Set(bundles.map(\.customerID))) {
            differences += stale.map { .extraBundle(directory + "/" + $0) }
        }
        return differences
    }

    /// Customer folders in `directory` (those holding a manifest.json) that are not in `keeping`.
    public static func staleBundles(in directory: String, keeping: Set<String>) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.filter { name in
            !name.hasPrefix(".") && !keeping.contains(name)
                && FileManager.default.fileExists(atPath: directory + "/" + name + "/" + BundleManifest.fileName)
        }.sorted()
    }
}

import Foundation
import PalisadeCrypto
import PalisadeModel

/// A customer's bundle in memory: bundle-relative path → exact bytes, manifest included.
public struct BundleContents: Sendable, Equatable {
    public var customerID: String
    public var files: [String: [UInt8]]

    public init(customerID: String, files: [String: [UInt8]]) {
        self.customerID = customerID
        self.files = files
    }
}

/// Builds a customer's bundle from the backends' output: INSTALL.md, then the manifest listing
/// every other file's SHA-256 and size.
public enum BundleAssembler {
    public static func assemble(_ customer: ResolvedCustomer, outputs: [(Backend, EmitterOutput)]) -> BundleContents {
        var files: [String: [UInt8]] = [:]
        for (_, output) in outputs {
            for (path, bytes) in output.files { files[path] = bytes }
        }
        files["INSTALL.md"] = Array(InstallGuide.render(customer, outputs: outputs).utf8)

        var records: [String: BundleManifest.FileRecord] = [:]
        for (path, bytes) in files {
            records[path] = .init(sha256: SHA256.hash(bytes).hex, size: Int64(bytes.count))
        }
        var modes: [Backend: Mode] = [:]
        for backend in Backend.allCases { modes[backend] = customer.mode(for: backend) }
        let manifest = BundleManifest(
            customer: .init(id: customer.id, displayName: customer.displayName, modes: modes,
                            linuxConfinement: customer.linuxConfinement),
            rules: customer.rules, files: records)
        files[BundleManifest.fileName] = manifest.canonicalJSON()
        return BundleContents(customerID: customer.id, files: files)
    }
}

/// JSON as bundles contain it: sorted keys, two-space indentation, `/` unescaped, final newline.
/// Same value → same bytes.
public enum CanonicalJSON {
    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var bytes = Array(try encoder.encode(value))
        bytes.append(0x0A)
        return bytes
    }
}

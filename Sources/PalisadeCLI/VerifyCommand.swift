import ArgumentParser
import Foundation
import PalisadeCrypto
import PalisadeModel
import PalisadeVerifier

/// `palisade verify`: check an endpoint, or a mounted image, against a customer's bundle.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check a host or a mounted image against a bundle.",
        discussion: """
            Reads only the bundle and the host; never changes either. Reports allowed files that are \
            missing or modified, denied software present (at its path, or by hash anywhere scanned), \
            executables no rule allows (unlisted), and whether the bundle's fapolicyd and AppArmor \
            files are installed, compiled in and in the intended mode.
            Exit status: 0 compliant; 1 findings; 2 cannot verify (bad bundle or arguments, unreadable root).
            """)

    @Option(help: "The customer's bundle folder (generated/<customer>).")
    var bundle: String

    @Option(help: "Check the tree under this folder instead of the running host (e.g. a mounted image).")
    var root: String = "/"

    @Option(name: .customLong("scan"), help: "Folder to search for denied and unlisted executables (repeatable; default: the usual program folders).")
    var scan: [String] = []

    @Option(help: "Ed25519 public key (PEM or DER): refuse a bundle not signed by it.")
    var trustedKey: String?

    @Option(help: "An export of the endpoint's effective AppLocker policy (Get-AppLockerPolicy -Effective -Xml; UTF-16 or UTF-8) to compare with the bundle's.")
    var applockerEffective: String?

    @Flag(help: "Also list the checks that passed (text format).")
    var verbose = false

    @Option(help: "Output format: text, json, jsonl (one compact JSON event per line, for log pipelines and SIEMs) or junit.")
    var format: VerifyFormat = .text

    enum VerifyFormat: String, ExpressibleByArgument, CaseIterable { case text, json, jsonl, junit }

    func run() throws {
        var key: Ed25519PublicKey? = nil
        if let trustedKey {
            do {
                key = try KeyFiles.readPublicKey(trustedKey)
            } catch {
                Terminal.err("palisade: error: cannot use trusted key \(trustedKey): \(error)\n")
                throw PalisadeExit.cannotRun
            }
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue,
              FileManager.default.isReadableFile(atPath: root) else {
            Terminal.err("palisade: error: cannot read root \(root)\n")
            throw PalisadeExit.cannotRun
        }
        var verifier = Verifier(root: root, scanLocations: scan.isEmpty ? nil : scan)
        // Text and JSON lines list passing checks only with --verbose; JSON and JUnit list every one.
        verifier.listsPassingChecks = verbose || (format != .text && format != .jsonl)
        // Read now, reported (as before) only once the bundle has loaded.
        let effective = applockerEffective.map { FileManager.default.contents(atPath: $0).map(Array.init) }
        if let data = effective ?? nil { verifier.appLockerEffective = data }
        // The manifest is read and its signature checked first (quick, and most bad bundles fail
        // here); the rest of the bundle loads while the verifier lists the scanned folders.
        let authenticated: LoadedBundle.Authenticated
        do {
            authenticated = try LoadedBundle.Authenticated(bundle, trustedKey: key)
        } catch {
            Terminal.err("palisade: error: \(bundle): \(error)\n")
            throw PalisadeExit.cannotRun
        }
        let report = try verifier.verify(loading: { [bundle, applockerEffective] in
            let loaded: LoadedBundle
            do {
                loaded = try authenticated.load()
            } catch {
                Terminal.err("palisade: error: \(bundle): \(error)\n")
                throw PalisadeExit.cannotRun
            }
            if !loaded.authenticated {
                Terminal.err("palisade: warning: \(bundle) is not authenticated (no --trusted-key): its origin is not proven\n")
            }
            if let applockerEffective, effective! == nil {
                Terminal.err("palisade: error: cannot read \(applockerEffective)\n")
                throw PalisadeExit.cannotRun
            }
            return loaded
        })
        switch format {
        case .text: Terminal.out(ReportFormats.text(report, verbose: verbose))
        case .json: Terminal.write(try Self.json(report))
        case .jsonl: Terminal.write(try ReportFormats.jsonLines(report, verbose: verbose))
        case .junit: Terminal.out(ReportFormats.junit(report))
        }
        if !report.compliant { throw PalisadeExit.findings }
    }

    /// The report as `JSON.encode` writes it, byte for byte: the findings (100,000 on a big host)
    /// written directly, the rest through the encoder. Falls back to the encoder alone if its
    /// output does not have the expected shape.
    static func json(_ report: VerifyReport) throws -> [UInt8] {
        guard !report.findings.isEmpty else { return try JSON.encode(report) }
        var rest = report
        rest.findings = []
        let skeleton = try JSON.encode(rest)
        // A raw newline cannot occur inside a JSON string: this is the top-level key, empty.
        let empty = Array("\n  \"findings\" : [\n\n  ]".utf8)
        guard let at = Self.find(empty, in: skeleton) else { return try JSON.encode(report) }
        let findings = ReportFormats.canonicalJSONFindings(report.findings)
        var out: [UInt8] = []
        out.reserveCapacity(skeleton.count + findings.count + 8)
        out.append(contentsOf: skeleton[..<at])
        out.append(contentsOf: "\n  \"findings\" : [\n".utf8)
        out.append(contentsOf: findings)
        out.append(contentsOf: "\n  ]".utf8)
        out.append(contentsOf: skeleton[(at + empty.count)...])
        return out
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        var found: Int? = nil
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) {
                guard found == nil else { return nil }  // twice: not the shape expected
                found = start
            }
        }
        return found
    }
}

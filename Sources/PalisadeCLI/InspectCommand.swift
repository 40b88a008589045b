import ArgumentParser
import Foundation
import PalisadeCrypto
import PalisadeModel
import PalisadeWindows

/// `palisade inspect`: what `Get-AppLockerFileInformation` prints on Windows, computed here.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what AppLocker sees in Windows files: hash, publisher, product, binary name, version.",
        discussion: """
            For each FILE: AppLocker's hash (SHA256 0x…: the Authenticode image hash of a PE file, \
            the flat SHA-256 of a script or any other file), the file length, and for a signed PE \
            file the publisher condition fields: PublisherName (the signer certificate's subject, in \
            AppLocker's form), ProductName and BinaryName (VERSIONINFO ProductName and \
            OriginalFilename, upper-cased) and BinaryVersion (the file version). Use them to write \
            hash and publisher rules, or to check a vendor's binary. The signature's certificate chain \
            is not checked: Windows checks it, and ignores publishers it does not trust. \
            Windows Installer (MSI) hashes are not supported yet. Exit status 1 when a file could \
            not be inspected.
            """)

    @Option(help: "Output format: text (like Get-AppLockerFileInformation | Format-List) or json.")
    var format: OutputFormat = .text

    @Argument(help: "Files to inspect.")
    var files: [String] = []

    mutating func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one FILE") }
    }

    func run() throws {
        var report = InspectReport()
        var out = BufferedOutput()
        var first = true
        for path in CommandLine.rawArguments(matching: files) {
            do throws(WindowsFileError) {
                let info = try AppLockerFileInformation.read(path: path)
                if let problem = info.hashProblem {
                    Terminal.err("palisade: \(path.displayEscaped): \(problem)\n")
                    report.problems.append(.init(path: path, code: problem.code, message: problem.description))
                }
                switch format {
                case .text:
                    if !first { out.append(Array("\n".utf8)) }
                    out.append(Array(Self.text(info, path: path).utf8))
                case .json:
                    report.files.append(.init(info, path: path))
                }
                first = false
            } catch {
                Terminal.err("palisade: \(path.displayEscaped): \(error)\n")
                report.problems.append(.init(path: path, code: error.code, message: error.description))
            }
        }
        if format == .json { out.append(try JSON.encode(report)) }
        out.flush()
        if !report.problems.isEmpty { throw PalisadeExit.findings }
    }

    static func text(_ info: AppLockerFileInformation, path: RawPath) -> String {
        var lines: [(String, String)] = [("Path", path.displayEscaped)]
        lines.append(("Hash", info.hash.map(AppLockerHashText.display) ?? "(none: \(info.hashProblem?.description ?? "unknown"))"))
        lines.append(("Length", String(info.size)))
        lines.append(("Type", typeDescription(info)))
        if let publisher = info.publisher {
            lines.append(("Publisher", publisher.display))
            lines.append(("PublisherName", publisher.publisherName))
            lines.append(("ProductName", publisher.productName))
            lines.append(("BinaryName", publisher.binaryName))
            lines.append(("BinaryVersion", publisher.binaryVersion ?? "(no version resource)"))
            lines.append(("Signature", signatureDescription(info)))
        } else if info.kind == .pe {
            lines.append(("Publisher", info.signatureProblem.map { "(unreadable signature: \($0))" } ?? "(not signed)"))
            if let version = info.versionInfo {
                lines.append(("ProductName", AppLockerText.upper(version.productName ?? "")))
                lines.append(("BinaryName", AppLockerText.upper(version.originalFilename ?? "")))
                lines.append(("BinaryVersion", version.fileVersion ?? ""))
            }
        }
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { label, value in
            label + String(repeating: " ", count: width - label.count) + " : " + singleLine(value)
        }.joined(separator: "\n") + "\n"
    }

    static func typeDescription(_ info: AppLockerFileInformation) -> String {
        switch info.kind {
        case .pe:
            let what = info.isDLL == true ? "DLL" : "executable"
            return "\(info.peFormat?.rawValue ?? "PE") \(what); Authenticode image hash"
        case .script: return "script; flat SHA-256"
        case .msi: return "Windows Installer"
        case .other: return "not a PE file or a script; flat SHA-256"
        }
    }

    static func signatureDescription(_ info: AppLockerFileInformation) -> String {
        switch info.signatureDigestMatches {
        case true?: return "signed digest matches the file; certificate chain not checked (Windows checks it)"
        case false?: return "SIGNED DIGEST DOES NOT MATCH: the file was changed after signing; Windows will not honour this publisher"
        case nil: return "signed digest not checked (not SHA-256); certificate chain not checked"
        }
    }

    /// Values come from the file (VERSIONINFO, certificates): control characters, and the
    /// invisible ones that reorder what a terminal shows, are shown escaped.
    static func singleLine(_ text: String) -> String { Diagnostic.singleLine(text) }
}

/// The `--format json` document of `palisade inspect`.
///
/// ```json
/// {"files": [{"path": "x.exe", "fileName": "x.exe", "size": 17744, "kind": "pe", "peFormat": "PE32+",
///             "hashType": "authenticode", "appLockerHash": "0x…",
///             "publisher": {"publisherName": "O=…", "productName": "…", "binaryName": "…", "binaryVersion": "1.2.3.4"},
///             "signatureDigestMatches": true}],
///  "problems": [{"path": "y.msi", "problem": "unsupported", "message": "…"}]}
/// ```
struct InspectReport: Encodable {
    struct File: Encodable {
        struct Publisher: Encodable {
            var publisherName: String
            var productName: String
            var binaryName: String
            var binaryVersion: String?
        }

        struct Version: Encodable {
            var productName: String?
            var originalFilename: String?
            var fileVersion: String?
            var productVersion: String?
        }

        var path: String
        var pathHex: String?
        var fileName: String
        var size: Int64
        var kind: String
        var peFormat: String?
        var isDLL: Bool?
        var hashType: String?
        var appLockerHash: String?
        var publisher: Publisher?
        var versionInfo: Version?
        var signatureDigestMatches: Bool?
        var signatureProblem: String?

        init(_ info: AppLockerFileInformation, path: RawPath) {
            self.path = path.description
            pathHex = path.string == nil ? hexString(path.bytes) : nil
            fileName = info.fileName
            size = info.size
            kind = info.kind.rawValue
            peFormat = info.peFormat?.rawValue
            isDLL = info.isDLL
            hashType = info.hashKind?.rawValue
            appLockerHash = info.appLockerHash
            publisher = info.publisher.map {
                Publisher(publisherName: $0.publisherName, productName: $0.productName, binaryName: $0.binaryName,
                          binaryVersion: $0.binaryVersion)
            }
            versionInfo = info.versionInfo.map {
                Version(productName: $0.productName, originalFilename: $0.originalFilename,
                        fileVersion: $0.fileVersion, productVersion: $0.productVersion)
            }
            signatureDigestMatches = info.signatureDigestMatches
            signatureProblem = info.signatureProblem
        }
    }

    struct Problem: Encodable {
        var path: String
        var pathHex: String?
        var problem: String
        var message: String

        init(path: RawPath, code: String, message: String) {
            self.path = path.description
            pathHex = path.string == nil ? hexString(path.bytes) : nil
            problem = code
            self.message = message
        }
    }

    var files: [File] = []
    var problems: [Problem] = []
}

extension HashCommand {
    /// `palisade hash --authenticode`: one line per file, `0x<64 upper-case hex>  <path>`.
    func runAuthenticode(_ operands: [RawPath]) throws {
        let listing = TreeWalker(symlinks: followSymlinks ? .always : .operands).walk(operands, recursive: recursive)
        var results: [(RawPath, Result<AppLockerFileInformation, WindowsFileError>)] = listing.files.map { entry in
            do throws(WindowsFileError) {
                let info = try AppLockerFileInformation.read(path: entry.path)
                if let problem = info.hashProblem { return (entry.path, .failure(problem)) }
                return (entry.path, .success(info))
            } catch {
                return (entry.path, .failure(error))
            }
        }
        results += listing.problems.map { ($0.path, .failure(.cannotRead($0.problem.description))) }
        results.sort { $0.0 < $1.0 }

        var out = BufferedOutput()
        var report = AuthenticodeHashReport()
        var failed = 0
        for (path, result) in results {
            switch result {
            case .success(let info):
                switch format {
                case .text: out.append(Array("\(info.appLockerHash!)  \(path.displayEscaped)\n".utf8))
                case .json:
                    report.files.append(.init(path: path.description, pathHex: path.string == nil ? hexString(path.bytes) : nil,
                                              appLockerHash: info.appLockerHash!, hashType: info.hashKind!.rawValue,
                                              size: info.size))
                }
            case .failure(let problem):
                failed += 1
                Terminal.err("palisade: \(path.displayEscaped): \(problem)\n")
                if format == .json {
                    report.problems.append(.init(path: path, code: problem.code, message: problem.description))
                }
            }
        }
        if format == .json { out.append(try JSON.encode(report)) }
        out.flush()
        if failed > 0 { throw PalisadeExit.findings }
    }
}

/// The `--format json` document of `palisade hash --authenticode`:
/// `{"files": [{"path", "appLockerHash": "0x…", "hashType": "authenticode"|"flat", "size"}], "problems": […]}`.
struct AuthenticodeHashReport: Encodable {
    struct File: Encodable {
        var path: String
        var pathHex: String?
        var appLockerHash: String
        var hashType: String
        var size: Int64
    }

    var files: [File] = []
    var problems: [InspectReport.Problem] = []
}

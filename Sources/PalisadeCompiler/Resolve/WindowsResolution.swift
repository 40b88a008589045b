import PalisadeCrypto
import PalisadeModel
import PalisadeWindows

/// The Windows part of resolving: AppLocker's hash of reference files (the Authenticode image
/// hash for PE files, the flat SHA-256 for scripts), and publisher conditions filled from a
/// signed reference binary. The ``Resolver`` calls these; everything Windows-specific is here.
enum WindowsResolution {
    /// Sets `rule.windows.appLockerHash` for a reference file already hashed by the resolver
    /// (`digest` is its flat SHA-256). PE files are read a second time, seekably, for the image hash.
    ///
    /// Returns false when the rule must be dropped: with an error for a malformed PE file or an
    /// MSI file (whose AppLocker hash is not established), silently for a file in a reference
    /// tree that AppLocker does not govern (neither a PE file, a script nor an installer).
    static func addHash(to rule: inout ResolvedRule, file: RawPath, digest: FileDigest, fromTree: Bool,
                        at location: SourceLocation, diagnostics: inout [Diagnostic]) -> Bool {
        guard rule.platform == .windows, rule.windows != nil else { return true }
        let name = rule.path.map(windowsFileName) ?? String(decoding: file.lastComponent, as: UTF8.self)
        let kind = AppLockerFileInformation.kind(fileName: name, head: digest.head)
        switch kind {
        case .script:
            rule.windows?.appLockerHash = digest.sha256.hex
            return true
        case .other:
            if fromTree { return false }
            rule.windows?.appLockerHash = digest.sha256.hex
            return true
        case .msi:
            diagnostics.append(.error("'\(file.description)': \(AppLockerFileInformation.msiNotSupported)", at: location,
                                      backend: .applocker))
            return false
        case .pe:
            do {
                let source = try FileByteSource(path: file)
                let hash = try AuthenticodeHash.compute(source)
                try source.verifyUnchanged()
                guard source.size == digest.size else { throw WindowsFileError.changedWhileReading }
                rule.windows?.appLockerHash = hash.hex
                return true
            } catch {
                diagnostics.append(.error("'\(file.description)' has no AppLocker hash: \(error)", at: location,
                                          backend: .applocker))
                return false
            }
        }
    }

    /// A literal SHA-256 on Windows is the file's flat hash. AppLocker uses that only for scripts,
    /// so it becomes the AppLocker hash there; for PE files it cannot (the emitter says so).
    static func addLiteralHash(to rule: inout ResolvedRule) {
        guard rule.platform == .windows, let hex = rule.sha256, rule.windows?.collection == .script else { return }
        rule.windows?.appLockerHash = hex
    }

    /// Fills the empty fields of a publisher condition from its signed reference binary:
    /// publisher from the signer certificate, product from ProductName, binary name from
    /// OriginalFilename, and an empty low or high version from the file version. Fields written
    /// in the policy (including `*`) are kept. Nil, with an error, when the reference cannot
    /// provide what is asked.
    static func fillPublisher(_ condition: PublisherCondition, file: RawPath, at location: SourceLocation,
                              diagnostics: inout [Diagnostic]) -> PublisherCondition? {
        let reference = condition.reference ?? file.description
        let info: AppLockerFileInformation
        do {
            info = try AppLockerFileInformation.read(path: file)
        } catch {
            diagnostics.append(.error("publisher reference '\(reference)' cannot be read: \(error)", at: location,
                                      backend: .applocker))
            return nil
        }
        guard let publisher = info.publisher else {
            let why = info.kind != .pe ? "is not a PE file" : (info.signatureProblem.map { "has an unreadable signature: \($0)" } ?? "is not signed")
            diagnostics.append(.error("publisher reference '\(reference)' \(why)", at: location, backend: .applocker))
            return nil
        }
        if info.signatureDigestMatches == false {
            diagnostics.append(.error("publisher reference '\(reference)' was changed after it was signed (its signature covers another image hash)",
                                      at: location, backend: .applocker))
            return nil
        }
        var filled = condition
        if filled.publisher.isEmpty { filled.publisher = publisher.publisherName }
        if filled.product.isEmpty { filled.product = publisher.productName }
        if filled.binaryName.isEmpty { filled.binaryName = publisher.binaryName }
        if filled.lowVersion == "" || filled.highVersion == "" {
            guard let version = publisher.binaryVersion else {
                diagnostics.append(.error("publisher reference '\(reference)' has no file version to fill the version range from",
                                          at: location, backend: .applocker))
                return nil
            }
            if filled.lowVersion == "" { filled.lowVersion = version }
            if filled.highVersion == "" { filled.highVersion = version }
        }
        if filled.product.isEmpty || filled.binaryName.isEmpty {
            diagnostics.append(.warning("publisher reference '\(reference)' has no \(filled.product.isEmpty ? "ProductName" : "OriginalFilename") in its version resource; the condition matches only files without one",
                                        at: location, backend: .applocker))
        }
        return filled
    }

    /// The last component of a Windows path.
    static func windowsFileName(_ path: String) -> String {
        path.split(separator: "\\", omittingEmptySubsequences: false).last.map(String.init) ?? path
    }
}

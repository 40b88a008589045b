import ArgumentParser
import Foundation
import PalisadeCompiler
import PalisadeCrypto

/// The signing key of `build` and `publish`: `--sign-key FILE`, else `PALISADE_SIGN_KEY` (the PEM
/// text, as CI systems pass secrets), else none.
enum SigningKey {
    static func load(path: String?) throws -> Ed25519PrivateKey? {
        do {
            if let path { return try KeyFiles.readPrivateKey(path) }
            if let pem = ProcessInfo.processInfo.environment["PALISADE_SIGN_KEY"], !pem.isEmpty {
                return try KeyFiles.privateKey(pem: pem)
            }
            return nil
        } catch {
            Terminal.err("palisade: error: cannot use the signing key: \(error)\n")
            throw PalisadeExit.cannotRun
        }
    }
}

/// `palisade keygen`: a new Ed25519 key pair for signing bundles.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create an Ed25519 key pair for signing bundles.",
        discussion: """
            Writes PREFIX.key (PKCS#8 PEM, mode 0600: keep it in your CI's secret store) and PREFIX.pub \
            (SubjectPublicKeyInfo PEM: give it to endpoints for `verify --trusted-key`). Both are \
            readable by OpenSSL. Existing files are never overwritten.
            """)

    @Option(help: "Path prefix of the two files.")
    var out: String

    func run() throws {
        guard let last = out.split(separator: "/", omittingEmptySubsequences: false).last, !last.isEmpty else {
            Terminal.err("palisade: error: --out '\(out)' names no file; give a prefix such as keys/palisade\n")
            throw PalisadeExit.cannotRun
        }
        let key = try Ed25519PrivateKey()
        // Both files or neither: a failure on the second removes the first, so a retry is not
        // refused by a lone (or empty) PREFIX.key.
        var created: [String] = []
        do {
            for (path, text, mode) in [(out + ".key", KeyFiles.encodePEM(key.derRepresentation, label: "PRIVATE KEY"), mode_t(0o600)),
                                       (out + ".pub", KeyFiles.encodePEM(key.publicKey.derRepresentation, label: "PUBLIC KEY"), mode_t(0o644))] {
                try write(path, text, mode: mode, created: &created)
            }
        } catch {
            for path in created { unlink(path) }
            throw error
        }
        Terminal.out("wrote \(out).key (private, 0600) and \(out).pub (public)\n")
    }

    private func write(_ path: String, _ text: String, mode: mode_t, created: inout [String]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else {
            Terminal.err("palisade: error: cannot create \(path): \(String(cString: strerror(errno)))\n")
            throw PalisadeExit.cannotRun
        }
        created.append(path)
        defer { close(fd) }
        _ = fchmod(fd, mode)  // whatever the umask
        let bytes = Array(text.utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count, fsync(fd) == 0 else {
            Terminal.err("palisade: error: cannot write \(path): \(String(cString: strerror(errno)))\n")
            throw PalisadeExit.cannotRun
        }
    }
}

/// `palisade publish`: one signed, byte-reproducible archive per customer, ready to upload.
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Compile, sign and archive each customer's bundle for distribution.",
        discussion: """
            Writes DIR/<customer>-<version>.tar.gz (the version is derived from the archive's hash) \
            and, when signing, DIR/<customer>-<version>.tar.gz.sig (detached Ed25519 signature of the \
            archive) — the bundle inside also carries manifest.sig. Archives are identical across runs.
            """)

    @Option(name: .customLong("customer"), help: "Publish only this customer (repeatable).")
    var customers: [String] = []

    @Option(help: "Folder for the archives.")
    var out: String = "dist"

    @Option(help: "Ed25519 private key (PEM or DER); or set PALISADE_SIGN_KEY to the PEM text.")
    var signKey: String?

    @Option(help: "Folder that relative reference paths in policies start from (default: current folder).")
    var workspace: String?

    func run() throws {
        let output = try PolicyCompilation(customers: customers, workspace: workspace, today: nil).run()
        let signer = try SigningKey.load(path: signKey)
        if signer == nil {
            Terminal.err("palisade: warning: publishing unsigned archives: endpoints cannot prove where they came from\n")
        }
        // Errors writing the archives cannot do the job: exit 2 with one line, not Foundation's dump.
        func attempt(_ what: String, _ body: () throws -> Void) throws {
            do { try body() } catch {
                let reason = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.localizedDescription
                    ?? (error as NSError).localizedDescription
                Terminal.err("palisade: error: cannot write \(what): \(reason)\n")
                throw PalisadeExit.cannotRun
            }
        }
        try attempt(out) { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) }
        for bundle in output.bundles {
            let signed = try signer.map { try BundleSigner.sign(bundle, with: $0) } ?? bundle
            let archive = try BundleArchive.make(signed)
            let name = BundleArchive.fileName(for: signed, archive: archive)
            let path = out + "/" + name
            // The name is the archive's hash, so a `.sig` beside it can only sign these bytes. (Ed25519
            // signatures are deterministic: a rerun with the same key writes the same signature.)
            if let signer {
                let signature = try signer.signature(for: archive)
                try attempt(path + ".sig") { try Data(signature).write(to: URL(fileURLWithPath: path + ".sig"), options: .atomic) }
            }
            try attempt(path) { try Data(archive).write(to: URL(fileURLWithPath: path), options: .atomic) }
            Terminal.out("\(path)\(signer == nil ? "" : " (+ .sig)")\n")
        }
    }
}

import Foundation
import PalisadeCrypto
import PalisadeTestSupport
import Testing

/// Signed bundles: keys that interoperate with OpenSSL, tampering refused, reproducible archives.
@Suite("Signing and publishing")
struct SigningTests {
    var root: String { Paths.packageRoot.path }
    let openssl = "/usr/bin/openssl"

    /// Builds acme signed with `key` into a fresh folder; returns the bundle path.
    func signedBundle(_ dir: TemporaryDirectory, key: String) throws -> String {
        let build = try run(Paths.palisade, ["build", "--customer", "acme", "--out", dir.path + "/out", "--sign-key", key], cwd: root)
        #expect(build.status == 0, "\(build.err)")
        return dir.path + "/out/acme"
    }

    /// verify exit status for a bundle against an empty root (findings are expected: exit 1 means
    /// the bundle itself was accepted; 2 means it was refused).
    func verifyStatus(_ bundle: String, key: String?, in dir: TemporaryDirectory) throws -> RunResult {
        let emptyRoot = dir.path + "/root"
        try FileManager.default.createDirectory(atPath: emptyRoot, withIntermediateDirectories: true)
        return try run(Paths.endpoint, ["verify", "--bundle", bundle, "--root", emptyRoot] + (key.map { ["--trusted-key", $0] } ?? []))
    }

    @Test func palisadeKeysAndSignaturesAreReadByOpenSSL() throws {
        let dir = try TemporaryDirectory()
        let keygen = try run(Paths.palisade, ["keygen", "--out", dir.path + "/msp"])
        #expect(keygen.status == 0)
        var info = stat()
        #expect(stat(dir.path + "/msp.key", &info) == 0 && info.st_mode & 0o777 == 0o600)
        #expect(try run(openssl, ["pkey", "-in", dir.path + "/msp.key", "-noout"]).status == 0)
        let derivedPublic = try run(openssl, ["pkey", "-in", dir.path + "/msp.key", "-pubout"]).out
        #expect(derivedPublic == (try String(contentsOfFile: dir.path + "/msp.pub", encoding: .utf8)))

        let bundle = try signedBundle(dir, key: dir.path + "/msp.key")
        let check = try run(openssl, ["pkeyutl", "-verify", "-pubin", "-inkey", dir.path + "/msp.pub", "-rawin",
                                      "-in", bundle + "/manifest.json", "-sigfile", bundle + "/manifest.sig"])
        #expect(check.status == 0, "\(check.out)\(check.err)")
        #expect(check.out.contains("Signature Verified Successfully"))

        // Refuses to overwrite an existing key.
        #expect(try run(Paths.palisade, ["keygen", "--out", dir.path + "/msp"]).status == 2)
    }

    /// Both files or neither; and a prefix must name a file.
    @Test func keygenLeavesNoHalfPair() throws {
        let dir = try TemporaryDirectory()
        try dir.write("old.pub", "someone else's key\n")
        let clash = try run(Paths.palisade, ["keygen", "--out", dir.path + "/old"])
        #expect(clash.status == 2 && clash.err.contains("old.pub: File exists"))
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/old.key"))
        #expect(try String(contentsOfFile: dir.path + "/old.pub", encoding: .utf8) == "someone else's key\n")
        for prefix in [dir.path + "/", ""] {
            let empty = try run(Paths.palisade, ["keygen", "--out", prefix], cwd: dir.path)
            #expect(empty.status == 2 && empty.err.contains("names no file"), "'\(prefix)'")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["old.pub"])
    }

    @Test func openSSLKeysAreAcceptedByPalisade() throws {
        let dir = try TemporaryDirectory()
        #expect(try run(openssl, ["genpkey", "-algorithm", "ed25519", "-out", dir.path + "/o.key"]).status == 0)
        #expect(try run(openssl, ["pkey", "-in", dir.path + "/o.key", "-pubout", "-out", dir.path + "/o.pub"]).status == 0)
        let bundle = try signedBundle(dir, key: dir.path + "/o.key")
        let verified = try verifyStatus(bundle, key: dir.path + "/o.pub", in: dir)
        #expect(verified.status == 1, "\(verified.err)")  // accepted; findings because the root is empty
        #expect(!verified.err.contains("not authenticated"))

        // The key may also come from the environment, as CI secrets do.
        let pem = try String(contentsOfFile: dir.path + "/o.key", encoding: .utf8)
        let fromEnv = try run(Paths.palisade, ["build", "--customer", "acme", "--out", dir.path + "/env"], cwd: root,
                              environment: ["PALISADE_SIGN_KEY": pem])
        #expect(fromEnv.status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.path + "/env/acme/manifest.sig"))
                == Data(contentsOf: URL(fileURLWithPath: bundle + "/manifest.sig")))
    }

    @Test func everyTamperingIsRefused() throws {
        let dir = try TemporaryDirectory()
        #expect(try run(Paths.palisade, ["keygen", "--out", dir.path + "/k"]).status == 0)
        #expect(try run(Paths.palisade, ["keygen", "--out", dir.path + "/other"]).status == 0)
        let pristine = try signedBundle(dir, key: dir.path + "/k.key")
        #expect(try verifyStatus(pristine, key: dir.path + "/k.pub", in: dir).status == 1)

        func tampered(_ name: String, _ change: (String) throws -> Void) throws -> RunResult {
            let copy = dir.path + "/" + name
            #expect(try run("/bin/cp", ["-a", pristine, copy]).status == 0)
            try change(copy)
            return try verifyStatus(copy, key: dir.path + "/k.pub", in: dir)
        }
        let install = { (b: String) in b + "/INSTALL.md" }
        let changedByte = try tampered("byte") { b in
            var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: install(b))))
            bytes[0] ^= 1
            try Data(bytes).write(to: URL(fileURLWithPath: install(b)))
        }
        #expect(changedByte.status == 2)
        #expect(changedByte.err.contains("INSTALL.md: content differs from the manifest"))
        let added = try tampered("added") { b in try Data("x".utf8).write(to: URL(fileURLWithPath: b + "/evil.rules")) }
        #expect(added.status == 2)
        let removed = try tampered("removed") { b in try FileManager.default.removeItem(atPath: install(b)) }
        #expect(removed.status == 2)
        let manifest = try tampered("manifest") { b in
            let path = b + "/manifest.json"
            let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\"enforce\"", with: "\"audit\"")
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        }
        #expect(manifest.status == 2)
        #expect(manifest.err.contains("does not verify with the trusted key"))
        let unsigned = try tampered("unsigned") { b in try FileManager.default.removeItem(atPath: b + "/manifest.sig") }
        #expect(unsigned.status == 2)
        #expect(unsigned.err.contains("manifest.sig is missing"))

        let wrongKey = try verifyStatus(pristine, key: dir.path + "/other.pub", in: dir)
        #expect(wrongKey.status == 2)

        // Without a trusted key, verify runs but says plainly the bundle is unauthenticated.
        let noKey = try verifyStatus(pristine, key: nil, in: dir)
        #expect(noKey.status == 1)
        #expect(noKey.err.contains("not authenticated"))
    }

    @Test func archivesAreByteIdenticalAcrossRuns() throws {
        let dir = try TemporaryDirectory()
        #expect(try run(Paths.palisade, ["keygen", "--out", dir.path + "/k"]).status == 0)
        for name in ["a", "b"] {
            let publish = try run(Paths.palisade, ["publish", "--out", dir.path + "/" + name, "--sign-key", dir.path + "/k.key"], cwd: root)
            #expect(publish.status == 0, "\(publish.err)")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/a").sorted()
        #expect(names.filter { $0.hasSuffix(".tar.gz") }.count == 3)
        #expect(names.filter { $0.hasSuffix(".tar.gz.sig") }.count == 3)
        #expect(try run("/usr/bin/diff", ["-r", dir.path + "/a", dir.path + "/b"]).status == 0)

        // The archive extracts to a bundle that verifies with the key, and its signature checks out.
        let acme = try #require(names.first { $0.hasPrefix("acme-") && $0.hasSuffix(".tar.gz") })
        try FileManager.default.createDirectory(atPath: dir.path + "/x", withIntermediateDirectories: true)
        #expect(try run("/bin/tar", ["-xzf", dir.path + "/a/" + acme, "-C", dir.path + "/x"]).status == 0)
        #expect(try verifyStatus(dir.path + "/x/acme", key: dir.path + "/k.pub", in: dir).status == 1)
        let sig = try run(openssl, ["pkeyutl", "-verify", "-pubin", "-inkey", dir.path + "/k.pub", "-rawin",
                                    "-in", dir.path + "/a/" + acme, "-sigfile", dir.path + "/a/" + acme + ".sig"])
        #expect(sig.status == 0)
        let listing = try run("/bin/tar", ["-tvzf", dir.path + "/a/" + acme]).out
        #expect(listing.contains("root/root") || listing.contains("0/0"))
        #expect(listing.contains("1970-01-01"))

        // Names are the archives' own hashes: an unsigned run, and a run signed by another key, write
        // other archives under other names, and every .sig still signs the archive it sits beside.
        #expect(try run(Paths.palisade, ["keygen", "--out", dir.path + "/k2"]).status == 0)
        let unsignedRun = try run(Paths.palisade, ["publish", "--out", dir.path + "/a"], cwd: root, environment: ["PALISADE_SIGN_KEY": ""])
        #expect(unsignedRun.status == 0, "\(unsignedRun.err)")
        let otherKeyRun = try run(Paths.palisade, ["publish", "--out", dir.path + "/a", "--sign-key", dir.path + "/k2.key"], cwd: root)
        #expect(otherKeyRun.status == 0, "\(otherKeyRun.err)")
        let all = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/a").sorted()
        #expect(all.filter { $0.hasSuffix(".tar.gz") }.count == 9)
        #expect(all.filter { $0.hasSuffix(".tar.gz.sig") }.count == 6)
        for archive in all where archive.hasSuffix(".tar.gz") {
            let bytes = try #require(FileManager.default.contents(atPath: dir.path + "/a/" + archive))
            #expect(archive.hasSuffix("-" + SHA256.hash([UInt8](bytes)).hex.prefix(16) + ".tar.gz"), "\(archive)")
            guard all.contains(archive + ".sig") else { continue }
            let checks = try ["k", "k2"].map { key in
                try run(openssl, ["pkeyutl", "-verify", "-pubin", "-inkey", dir.path + "/\(key).pub", "-rawin",
                                  "-in", dir.path + "/a/" + archive, "-sigfile", dir.path + "/a/" + archive + ".sig"]).status
            }
            #expect(checks.filter { $0 == 0 }.count == 1, "\(archive).sig verifies with exactly one key: \(checks)")
        }

        // A folder that cannot be written: exit 2 with one line, not a Foundation error dump.
        try dir.write("file", "not a folder\n")
        let blocked = try run(Paths.palisade, ["publish", "--out", dir.path + "/file", "--sign-key", dir.path + "/k.key"], cwd: root)
        #expect(blocked.status == 2)
        #expect(blocked.err.contains("palisade: error: cannot write \(dir.path)/file:") && !blocked.err.contains("NSCocoaErrorDomain"),
                "\(blocked.err)")
    }
}

import Foundation
import PalisadeTestSupport

/// The PE fixtures, built once per test run by `Fixtures/build-fixtures.sh` with mingw-w64 and
/// signed with a throw-away certificate (osslsigncode). Missing tools make the tests fail: CI
/// installs them (`.ci/setup test`).
struct PEFixtures: Sendable {
    let directory: String
    let expected: [String: String]

    /// Every PE fixture, unsigned and signed.
    static let peFiles = [
        "hello32.exe", "hello64.exe", "lib64.dll", "lib32.dll", "odd32.exe",
        "signed-hello32.exe", "signed-hello64.exe", "signed-lib64.dll", "signed-lib32.dll",
    ]

    func path(_ name: String) -> String { directory + "/" + name }
    func bytes(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path(name)))) }

    struct BuildFailed: Error, CustomStringConvertible {
        var description: String
    }

    static let fixtureDirectory = FileManager.default.temporaryDirectory
        .appendingPathComponent("palisade-pe-fixtures-\(getpid())").path

    static let shared: Result<PEFixtures, BuildFailed> = {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/build-fixtures.sh").path
        let directory = fixtureDirectory
        atexit { try? FileManager.default.removeItem(atPath: PEFixtures.fixtureDirectory) }
        do {
            let result = try run("/bin/bash", [script, directory], timeout: 300)
            guard result.status == 0 else {
                return .failure(BuildFailed(description: "build-fixtures.sh failed (\(result.status)): \(result.err)"))
            }
            let env = try String(contentsOfFile: directory + "/expected.env", encoding: .utf8)
            var expected: [String: String] = [:]
            for line in env.split(separator: "\n") {
                guard let eq = line.firstIndex(of: "=") else { continue }
                expected[String(line[..<eq])] = String(line[line.index(after: eq)...])
            }
            return .success(PEFixtures(directory: directory, expected: expected))
        } catch {
            return .failure(BuildFailed(description: "cannot run build-fixtures.sh: \(error)"))
        }
    }()

    static func get() throws -> PEFixtures { try shared.get() }
}

/// A tool the tests need; its absence is a failure, not a skip.
func requireTool(_ name: String) throws -> String {
    guard let path = which(name) else {
        throw PEFixtures.BuildFailed(description: "\(name) is not installed; run .ci/setup test")
    }
    return path
}

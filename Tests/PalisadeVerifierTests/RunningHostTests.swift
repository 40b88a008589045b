import Foundation
import PalisadeCrypto
@testable import PalisadeVerifier
import PalisadeTestSupport
import Testing

/// Kernel state (loaded AppArmor profiles) describes the root only when the root is the running
/// host's `/`, however the operator spells it.
@Suite("verify: is the root the running host?")
struct RunningHostTests {
    @Test(arguments: ["/", "/.", "//", "/tmp/..", "/usr/../"])
    func spellingsOfTheHostRoot(_ root: String) {
        #expect(Verifier.isRunningHost(RawPath(root)))
    }

    @Test func otherFoldersAreImages() throws {
        let dir = try TemporaryDirectory()
        #expect(!Verifier.isRunningHost(RawPath(dir.path)))
        #expect(!Verifier.isRunningHost(RawPath("/tmp")))
        #expect(!Verifier.isRunningHost(RawPath(dir.path + "/absent")))
    }
}

import PalisadeCompiler
import PalisadeModel
import PalisadeTestSupport
import Testing

/// The profile's write protection: every allowed pattern is unwritable, and so is every directory
/// above allowed code (except `/`), whatever order and spelling the rules come in.
@Suite struct WriteProtectionTests {
    /// Directories above `path` that must not be renamed: `/a/`, `/a/b/`, … (normalised, without
    /// `/`). For a directory rule the directory itself is not among them (`{,**}` covers it).
    static func expectedAncestors(_ path: String) -> [String] {
        var components = path.split(separator: "/").map(String.init)
        if !components.isEmpty { components.removeLast() }
        var prefix = "/"
        return components.map { prefix += $0 + "/"; return prefix }
    }

    @Test(arguments: 0..<25) func ancestorsOfRandomRulesAreAllProtected(seed: Int) {
        var random = SplitMix(seed: UInt64(seed))
        let names = ["opt", "usr", "bin", "lib", "app", "a", "b", "tool", "x.sh", "local"]
        var rules: [ResolvedRule] = []
        var expected = Set<String>()
        for line in 1...Int.random(in: 1...60, using: &random) {
            let depth = Int.random(in: 1...5, using: &random)
            var path = ""
            for _ in 0..<depth {
                path += Bool.random(using: &random) && Int.random(in: 0..<8, using: &random) == 0 ? "//" : "/"
                path += names.randomElement(using: &random)!
            }
            let directory = Int.random(in: 0..<4, using: &random) == 0
            if directory { path += "/" }
            rules.append(AA.rule(.allow, path, match: directory ? .directory : .file, line: line))
            // Merged /usr: a legacy top-level directory is written under /usr as well.
            let spellings = ["bin", "sbin", "lib", "lib32", "lib64", "libx32"]
                .contains(where: { path.hasPrefix("/\($0)/") }) ? [path, "/usr" + path] : [path]
            for spelling in spellings {
                expected.formUnion(Self.expectedAncestors(spelling))
            }
        }
        let output = AA.emitter.emit(AA.customer(rules))
        #expect(!output.diagnostics.hasErrors, "\(output.diagnostics)")
        let text = AA.text(output, "apparmor/palisade.test")
        let protected = Set(text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  audit deny \""), line.hasSuffix("\" w,") else { return nil }
            return String(line.dropFirst("  audit deny \"".count).dropLast("\" w,".count))
        })
        #expect(protected == expected, "seed \(seed)")
    }
}

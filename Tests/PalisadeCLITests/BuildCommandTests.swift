import Foundation
import PalisadeTestSupport
import Testing

/// `palisade build` as engineers and CI run it, on the example policies.
@Suite("palisade build")
struct BuildCommandTests {
    var root: String { Paths.packageRoot.path }

    @Test func buildThenCheckIsCleanAndCheckFindsStaleness() throws {
        let out = try TemporaryDirectory()
        let build = try run(Paths.palisade, ["build", "--out", out.path, "--today", "2026-11-30"], cwd: root)
        #expect(build.status == 0, "\(build.err)")
        #expect(build.out.contains("acme: "))
        #expect(build.out.contains("3 customers"))

        let clean = try run(Paths.palisade, ["build", "--check", "--out", out.path, "--today", "2026-11-30"], cwd: root)
        #expect(clean.status == 0, "\(clean.out)\(clean.err)")
        #expect(clean.out.contains("is up to date"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["acme", "globex", "initech"])

        // One byte changed, one file removed: stale, exit 1, each listed.
        let manifest = out.path + "/initech/manifest.json"
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: manifest)))
        bytes[bytes.count - 2] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: manifest))
        try FileManager.default.removeItem(atPath: out.path + "/acme/INSTALL.md")
        let stale = try run(Paths.palisade, ["build", "--check", "--out", out.path, "--today", "2026-11-30"], cwd: root)
        #expect(stale.status == 1)
        #expect(stale.out.contains("stale: \(manifest): differs"))
        #expect(stale.out.contains("stale: \(out.path)/acme/INSTALL.md: missing"))

        // A rebuild repairs it.
        let rebuild = try run(Paths.palisade, ["build", "--out", out.path, "--today", "2026-11-30"], cwd: root)
        #expect(rebuild.status == 0)
        let again = try run(Paths.palisade, ["build", "--check", "--out", out.path, "--today", "2026-11-30"], cwd: root)
        #expect(again.status == 0)

        // An extra file whose name is not UTF-8 is stale too (Foundation's listing skips such names).
        try out.write(Array("acme/apparmor/x".utf8) + [0xFF], Array("extra\n".utf8))
        let extra = try run(Paths.palisade, ["build", "--check", "--out", out.path, "--today", "2026-11-30"], cwd: root)
        #expect(extra.status == 1, "\(extra.out)")
        #expect(extra.out.contains("stale: \(out.path)/acme/apparmor/x\u{FFFD}"), "\(extra.out)")
    }

    @Test func jsonSummary() throws {
        let out = try TemporaryDirectory()
        let result = try run(Paths.palisade, ["build", "--out", out.path, "--format", "json", "--customer", "acme"], cwd: root)
        #expect(result.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let customers = try #require(document["customers"] as? [[String: Any]])
        #expect(customers.map { $0["customer"] as? String } == ["acme"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["acme"])
    }

    @Test func unknownCustomerAndEndpointBinaryExitTwo() throws {
        let unknown = try run(Paths.palisade, ["build", "--customer", "nobody", "--out", "/nonexistent"], cwd: root)
        #expect(unknown.status == 2)
        #expect(unknown.err.contains("no customer 'nobody'"))

        let endpoint = try run(Paths.endpoint, ["build", "--out", "/nonexistent"], cwd: root)
        #expect(endpoint.status == 2)
        #expect(endpoint.err.contains("carries no policies"))
    }

    @Test func endpointBinaryCarriesNoCustomerPolicy() throws {
        // The endpoint binary must not contain any customer's policy: no display names, no rule paths.
        let data = try Data(contentsOf: URL(fileURLWithPath: Paths.endpoint))
        for marker in ["Acme Manufacturing", "Globex Corporation", "/opt/northwind/bin/msp-agent", "examples/images/acme-web"] {
            #expect(data.range(of: Data(marker.utf8)) == nil, "endpoint binary contains '\(marker)'")
        }
        let full = try Data(contentsOf: URL(fileURLWithPath: Paths.palisade))
        #expect(full.range(of: Data("Acme Manufacturing".utf8)) != nil)
    }
}

/// The registry generator: every top-level `let` is handed to `CustomerRegistry.consider` (the type
/// checker registers the customers among them); a customer made anywhere else is an error.
@Suite("Customer registry")
struct RegistryTests {
    var generator: String { Paths.productsDirectory.appendingPathComponent("palisade-registry").path }

    /// The `consider(…)` lines of a generated registry, in order.
    func considered(_ registry: String) throws -> [String] {
        try String(contentsOfFile: registry, encoding: .utf8).split(separator: "\n")
            .compactMap { line in
                guard let open = line.range(of: "_registry.consider("), let close = line.range(of: ")  // ") else { return nil }
                return String(line[open.upperBound..<close.lowerBound])
            }
    }

    @Test func everyTopLevelLetIsConsideredWhateverItsSpelling() throws {
        let dir = try TemporaryDirectory()
        let good = try dir.write("good.swift", #"""
            import PalisadeDSL
            // let commented = Customer("x", name: "in a comment") {}
            /* let blocked = Customer("y", name: "in /* a nested */ block comment") {} */
            let alpha = Customer("alpha", name: "Alpha") { Linux { Deny.path("/x") } }
            public let beta: Customer = Customer("beta", name: "Beta { }") { Linux { Deny.path("/y") } }
            let gamma = Customer.init("gamma", name: "G") { Windows { Deny.directory(#"C:\Evil\"#) } }
            let delta = PalisadeDSL.Customer("delta", name: "D \("}")") { Linux { Deny.path("/z") } }
            let epsilon: Customer = .init("epsilon", name: "E") { Linux { Deny.path("/w") } }
            let zeta =
                Customer("zeta", name: """
                    a } multi-line "name" with Customer(
                    """) { Linux { Deny.path("/v") } }
            let tools = RuleGroup("tools") { Linux { Allow.path("/usr/bin/env") } }
            let `default` = Customer("default", name: "Backticked") { Linux { Deny.path("/u") } }
            """#)
        let out = dir.path + "/Registry.swift"
        let ok = try run(generator, [out, good])
        #expect(ok.status == 0, "\(ok.err)")
        #expect(try considered(out) == ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "tools", "`default`"])
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.contains("_registry.consider(zeta)  // policies/good.swift:9\n"))
    }

    @Test func customersMadeWhereTheRegistryCannotSeeThemAreRefused() throws {
        let dir = try TemporaryDirectory()
        let bad = try dir.write("bad.swift", """
            import PalisadeDSL

            func makeCustomers() -> [Customer] {
                [Customer("hidden", name: "Hidden") { Linux { Deny.path("/x") } }]
            }
            enum Customers {
                static let inside: Customer = .init("inside", name: "I") { Linux { Deny.path("/x") } }
            }
            let all = [Customer("listed", name: "L") { Linux { Deny.path("/x") } }]
            private let secret = Customer("secret", name: "S") { Linux { Deny.path("/x") } }
            var changing = Customer("changing", name: "C") { Linux { Deny.path("/x") } }
            let made = ["a"].map(Customer.init)
            let fine = Customer("fine", name: "F") { Linux { Deny.path("/x") } }
            """)
        let out = dir.path + "/Registry.swift"
        let refused = try run(generator, [out, bad])
        #expect(refused.status != 0)
        let lines = refused.err.split(separator: "\n").map(String.init)
        #expect(lines == [
            "policies/bad.swift:4: error: \(notRegistrable)",
            "policies/bad.swift:7: error: customer 'inside' is declared inside a type or function, so it cannot be registered; declare each customer as a top-level let",
            "policies/bad.swift:9: error: \(notRegistrable)",
            "policies/bad.swift:10: error: customer 'secret' is private to its file, so the build cannot register it; remove 'private'",
            "policies/bad.swift:11: error: declare customer 'changing' with 'let', not 'var'",
            "policies/bad.swift:12: error: \(notRegistrable)",
        ], "\(refused.err)")
    }

    let notRegistrable = "Customer(...) here is not a top-level 'let NAME = Customer(...)' declaration, so it cannot be registered; declare each customer as a top-level let"
}

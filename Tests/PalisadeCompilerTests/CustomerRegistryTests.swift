import PalisadeDSL
import PalisadeModel
import Testing

/// What the generated policy registry relies on: the type of each top-level `let` picks the
/// overload, so customers are registered however they were made, and nothing else is.
@Suite("CustomerRegistry")
struct CustomerRegistryTests {
    static func make(_ id: String) -> Customer {
        .init(id, name: id.uppercased()) { Linux { Deny.path("/usr/bin/\(id)") } }
    }

    @Test func customersAreRegisteredAndOtherValuesPassedOver() {
        // The same static types as top-level lets of a policy file would have.
        let direct = Customer("direct", name: "Direct") { Linux { Deny.path("/x") } }
        let helped = Self.make("helped")
        let listed = ["one", "two"].map(Self.make)
        let optional: Customer? = Self.make("optional")
        let absent: Customer? = nil
        let group = RuleGroup("tools") { Linux { Allow.path("/usr/bin/env") } }
        let number = 42
        let paths = ["/usr/bin/a"]

        var registry = CustomerRegistry()
        registry.consider(group)
        registry.consider(direct)
        registry.consider(number)
        registry.consider(helped)
        registry.consider(paths)
        registry.consider(listed)
        registry.consider(optional)
        registry.consider(absent)
        #expect(registry.policies.map(\.id) == ["direct", "helped", "one", "two", "optional"])
        #expect(registry.policies.first?.displayName == "Direct")
    }
}

import PalisadeModel

/// How the build collects the customers of `policies/`.
///
/// The registry that SwiftPM generates for the policies module hands every top-level `let` of the
/// policy files to ``consider(_:)-(Customer)``, and Swift's type checker picks the overload: a
/// value of type ``Customer`` (or a sequence of them, or an optional one) is registered, whatever
/// the spelling that made it — `Customer(…)`, `Customer.init(…)`, `let x: Customer = .init(…)`,
/// `PalisadeDSL.Customer(…)` or a helper function. Every other value (a `RuleGroup`, a list of
/// paths) is passed over. So no customer bound to a top-level `let` can be left out of the build.
public struct CustomerRegistry {
    /// The customers considered so far, in the order they were considered.
    public private(set) var policies: [CustomerPolicy] = []

    public init() {}

    public mutating func consider(_ customer: Customer) {
        policies.append(customer.policy)
    }

    public mutating func consider(_ customer: Customer?) {
        if let customer { policies.append(customer.policy) }
    }

    public mutating func consider<Customers: Sequence>(_ customers: Customers) where Customers.Element == Customer {
        policies += customers.map(\.policy)
    }

    /// Anything that is not a customer.
    @_disfavoredOverload
    public mutating func consider<Value>(_ value: Value) {}
}

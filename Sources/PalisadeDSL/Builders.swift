import PalisadeModel

/// Anything that can stand in a customer or a baseline: platform sections and baselines.
public protocol PolicyComponent: Sendable {
    /// The rules this component contributes. `baseline` is the innermost enclosing baseline's name.
    func rules(baseline: String?) -> [PolicyRule]
}

/// Collects the rules of one platform section.
@resultBuilder
public enum SectionBuilder<OS: TargetOS> {
    public static func buildExpression(_ rule: Rule<OS>) -> [Rule<OS>] { [rule] }
    public static func buildExpression(_ rules: [Rule<OS>]) -> [Rule<OS>] { rules }
    public static func buildBlock(_ parts: [Rule<OS>]...) -> [Rule<OS>] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [Rule<OS>]?) -> [Rule<OS>] { part ?? [] }
    public static func buildEither(first: [Rule<OS>]) -> [Rule<OS>] { first }
    public static func buildEither(second: [Rule<OS>]) -> [Rule<OS>] { second }
    public static func buildArray(_ parts: [[Rule<OS>]]) -> [Rule<OS>] { parts.flatMap { $0 } }
}

/// Collects the components of a customer or a baseline.
@resultBuilder
public enum PolicyBuilder {
    public static func buildExpression(_ component: any PolicyComponent) -> [any PolicyComponent] { [component] }
    public static func buildBlock(_ parts: [any PolicyComponent]...) -> [any PolicyComponent] { parts.flatMap { $0 } }
    public static func buildOptional(_ part: [any PolicyComponent]?) -> [any PolicyComponent] { part ?? [] }
    public static func buildEither(first: [any PolicyComponent]) -> [any PolicyComponent] { first }
    public static func buildEither(second: [any PolicyComponent]) -> [any PolicyComponent] { second }
    public static func buildArray(_ parts: [[any PolicyComponent]]) -> [any PolicyComponent] { parts.flatMap { $0 } }
}

/// Rules for Linux endpoints (fapolicyd, AppArmor).
public struct Linux: PolicyComponent {
    let content: [Rule<LinuxOS>]

    public init(@SectionBuilder<LinuxOS> _ content: () -> [Rule<LinuxOS>]) { self.content = content() }

    public func rules(baseline: String?) -> [PolicyRule] { content.map { $0.model.inBaseline(baseline) } }
}

/// Rules for Windows endpoints (AppLocker).
public struct Windows: PolicyComponent {
    let content: [Rule<WindowsOS>]

    public init(@SectionBuilder<WindowsOS> _ content: () -> [Rule<WindowsOS>]) { self.content = content() }

    public func rules(baseline: String?) -> [PolicyRule] { content.map { $0.model.inBaseline(baseline) } }
}

/// A reusable group of rules written as a type, e.g. the MSP's own baseline:
///
/// ```swift
/// struct MSPBaseline: Baseline {
///     var body: [any PolicyComponent] {
///         Linux { Allow.binary("examples/artifacts/agent", at: "/opt/msp/bin/agent") }
///     }
/// }
/// ```
public protocol Baseline: PolicyComponent {
    /// Shown in provenance; the type's name by default.
    var name: String { get }
    @PolicyBuilder var body: [any PolicyComponent] { get }
}

extension Baseline {
    public var name: String { String(describing: Self.self) }

    public func rules(baseline: String?) -> [PolicyRule] { body.flatMap { $0.rules(baseline: name) } }
}

/// A reusable group of rules written as a value: `let webServers = RuleGroup("web-servers") { … }`.
public struct RuleGroup: Baseline {
    public let name: String
    public let body: [any PolicyComponent]

    public init(_ name: String, @PolicyBuilder _ content: () -> [any PolicyComponent]) {
        self.name = name
        self.body = content()
    }
}

extension PolicyRule {
    func inBaseline(_ name: String?) -> PolicyRule {
        var copy = self
        if copy.baseline == nil { copy.baseline = name }
        return copy
    }
}

import PalisadeModel

/// A platform a rule can be written for. The phantom type makes a Windows-only rule inside a
/// `Linux { }` section, or the reverse, a compile error.
public protocol TargetOS: Sendable {
    static var platform: Platform { get }
}

/// Linux: fapolicyd and AppArmor.
public enum LinuxOS: TargetOS {
    public static var platform: Platform { .linux }
}

/// Windows: AppLocker.
public enum WindowsOS: TargetOS {
    public static var platform: Platform { .windows }
}

/// One allow or deny rule for one platform. Made by ``Allow`` and ``Deny``.
public struct Rule<OS: TargetOS>: Sendable {
    public var model: PolicyRule

    init(_ model: PolicyRule) { self.model = model }
}

extension Rule where OS == WindowsOS {
    /// Puts the rule in an AppLocker rule collection other than the one chosen from the file.
    public func collection(_ collection: AppLockerCollection) -> Rule {
        var copy = self
        copy.model.windows = WindowsRuleOptions(collection: collection,
                                                userOrGroupSID: model.windows?.userOrGroupSID)
        return copy
    }

    /// Applies the rule to one user or group (a SID such as `S-1-5-32-545`) instead of Everyone.
    public func appliesTo(sid: String) -> Rule {
        var copy = self
        copy.model.windows = WindowsRuleOptions(collection: model.windows?.collection, userOrGroupSID: sid)
        return copy
    }
}

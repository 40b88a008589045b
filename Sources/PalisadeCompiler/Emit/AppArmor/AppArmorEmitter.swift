import PalisadeModel

/// AppArmor 3.0.8 allowlist profiles. (Being written: issue 5.)
public struct AppArmorEmitter: BackendEmitter {
    public var backend: Backend { .apparmor }
    public init() {}
    public func emit(_ customer: ResolvedCustomer) -> EmitterOutput { EmitterOutput() }
}

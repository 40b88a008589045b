import PalisadeModel

/// fapolicyd 1.1.7: rules.d fragment and trust.d file. (Being written: issue 4.)
public struct FapolicydEmitter: BackendEmitter {
    public var backend: Backend { .fapolicyd }
    public init() {}
    public func emit(_ customer: ResolvedCustomer) -> EmitterOutput { EmitterOutput() }
}

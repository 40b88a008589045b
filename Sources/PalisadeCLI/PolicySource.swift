import PalisadeModel
import Synchronization

/// The policies compiled into this executable. `palisade` links `policies/`; the endpoint binary
/// links none, so it cannot leak one customer's policy to another customer's hosts.
public enum PolicySource {
    private static let storage = Mutex<[CustomerPolicy]?>(nil)

    /// Set once by the executable's `main` before commands run.
    public static func install(_ customers: [CustomerPolicy]) { storage.withLock { $0 = customers } }

    /// nil in the endpoint binary.
    static var customers: [CustomerPolicy]? { storage.withLock { $0 } }
}

import PalisadeCrypto
import PalisadeModel

/// Checks on the authored policy, before anything is hashed.
public struct PolicyChecks: Sendable {
    /// Today, as days since 1970-01-01; injected so tests do not depend on the clock.
    public var today: CalendarDate
    /// An allow that expires within this many days gets a warning.
    public var expiryWarningDays = 14

    public init(today: CalendarDate) { self.today = today }

    public func check(_ customers: [CustomerPolicy]) -> [Diagnostic] {
        // Each customer's own checks run in parallel; ids are compared across customers.
        let own = Parallel.map(customers) { customer in check(customer) }
        var diagnostics: [Diagnostic] = []
        var firstByID: [String: CustomerPolicy] = [:]
        for (customer, ownDiagnostics) in zip(customers, own) {
            if let problem = CustomerIDCheck.problem(with: customer.id) {
                diagnostics.append(.error("customer id '\(customer.id)' \(problem)", at: customer.location))
            }
            if let first = firstByID[customer.id] {
                diagnostics.append(.error("customer id '\(customer.id)' is declared twice", at: customer.location,
                                          notes: [.note("first declared here", at: first.location)]))
            } else {
                firstByID[customer.id] = customer
            }
            diagnostics += ownDiagnostics
        }
        return diagnostics
    }

    /// The checks of one customer that need no other customer.
    func check(_ customer: CustomerPolicy) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        if customer.displayName.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            diagnostics.append(.error("display name of '\(customer.id)' contains a control character",
                                      at: customer.location))
        }
        if customer.rules.isEmpty {
            diagnostics.append(.error("customer '\(customer.id)' has no rules; an empty allowlist would deny everything",
                                      at: customer.location))
        }
        for rule in customer.rules { diagnostics += check(rule, customer: customer).forCustomer(customer.id) }
        return diagnostics
    }

    func check(_ rule: PolicyRule, customer: CustomerPolicy) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let at = rule.location
        func path(_ value: String, _ what: String, directory: Bool = false) {
            if let problem = EndpointPathCheck.problem(with: value, platform: rule.platform, isDirectory: directory) {
                out.append(.error("\(rule.platform.rawValue) \(what) '\(value)' \(problem)", at: at))
            }
        }
        switch rule.target {
        case .binary(let reference, let endpointPath):
            if reference.isEmpty { out.append(.error("reference file path is empty", at: at)) }
            path(endpointPath, "endpoint path")
        case .sha256(let hex, let endpointPath):
            if !Self.isSHA256(hex) {
                out.append(.error("'\(hex)' is not a SHA-256 (64 hexadecimal digits)", at: at))
            }
            if let endpointPath { path(endpointPath, "endpoint path") }
        case .tree(let reference, let mountPoint):
            if reference.isEmpty { out.append(.error("reference tree path is empty", at: at)) }
            path(mountPoint, "mount point", directory: true)
        case .path(let endpointPath):
            path(endpointPath, "endpoint path")
            if rule.decision == .allow {
                out.append(.warning("allow by path alone: any file placed at '\(endpointPath)' matches; prefer a reference binary or a hash", at: at))
            }
        case .directory(let directory):
            path(directory, "directory", directory: true)
            if rule.decision == .allow {
                out.append(.warning("allow of a whole directory '\(directory)': anything written there is allowed; prefer binaries or a tree", at: at))
            }
        case .publisher(let condition):
            if condition.publisher.isEmpty && condition.reference == nil {
                out.append(.error("publisher rule names no publisher and no signed reference binary", at: at))
            } else if condition.publisher == "*" && condition.reference == nil && rule.decision == .allow {
                out.append(.warning("allow of every signed file (publisher '*'): any signed program runs, signed remote-access tools included; name the publisher", at: at))
            }
        }
        out += WindowsPathChecks.check(rule)
        if let sid = rule.windows?.userOrGroupSID, !Self.isSID(sid) {
            out.append(.error("'\(sid)' is not a SID (S-1-…)", at: at))
        }
        if let expires = rule.metadata.expires {
            out += checkExpiry(expires, rule: rule, customer: customer)
        }
        return out
    }

    func checkExpiry(_ expires: CalendarDate, rule: PolicyRule, customer: CustomerPolicy) -> [Diagnostic] {
        guard let day = expires.dayNumber else {
            return [.error("expiry '\(expires)' is not a date (YYYY-MM-DD)", at: rule.location)]
        }
        guard let now = today.dayNumber else { return [] }
        let what = "\(rule.decision.rawValue) (\(rule.target.kindName))"
        if day < now {
            if rule.decision == .allow {
                return [.error("\(what) expired on \(expires) for customer '\(customer.id)'; renew it or remove it", at: rule.location)]
            }
            return [.warning("\(what) expired on \(expires) for customer '\(customer.id)'; it stays in force until removed", at: rule.location)]
        }
        if day - now <= expiryWarningDays {
            return [.warning("\(what) expires on \(expires) (in \(day - now) day\(day - now == 1 ? "" : "s")) for customer '\(customer.id)'", at: rule.location)]
        }
        return []
    }

    static func isSHA256(_ hex: String) -> Bool { HexDigest.isSHA256(hex, allowingUpperCase: true) }

    static func isSID(_ sid: String) -> Bool {
        let parts = sid.split(separator: "-", omittingEmptySubsequences: false)
        // ASCII digits only: `isNumber` also takes '５' and '½', which no SID contains.
        return parts.count >= 3 && parts[0] == "S"
            && parts.dropFirst().allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
    }
}

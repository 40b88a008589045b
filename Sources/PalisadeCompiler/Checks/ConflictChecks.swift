import PalisadeModel

/// Checks that need concrete rules: conflicts and duplicates within one customer.
public enum ConflictChecks {
    /// Reports conflicts and duplicates, and returns the customer with exact duplicates removed
    /// (the first by source location is kept).
    public static func check(_ customer: ResolvedCustomer) -> (ResolvedCustomer, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []

        // The same content (by hash) allowed and denied.
        for platform in Platform.allCases {
            var allowedByHash: [String: ResolvedRule] = [:]
            var deniedByHash: [String: ResolvedRule] = [:]
            var allowedPathOnly: [String: ResolvedRule] = [:]
            var deniedPathOnly: [String: ResolvedRule] = [:]
            for rule in customer.rules where rule.platform == platform {
                if let hash = rule.sha256 {
                    if rule.decision == .allow { keepFirst(&allowedByHash, hash, rule) } else { keepFirst(&deniedByHash, hash, rule) }
                } else if let path = rule.path, rule.windows?.publisher == nil {
                    let key = (rule.pathMatch?.rawValue ?? "") + ":" + path
                    if rule.decision == .allow { keepFirst(&allowedPathOnly, key, rule) } else { keepFirst(&deniedPathOnly, key, rule) }
                }
            }
            for (hash, allow) in allowedByHash.sorted(by: { $0.key < $1.key }) {
                guard let deny = deniedByHash[hash] else { continue }
                diagnostics.append(.error("sha256 \(abbreviated(hash)) is both allowed and denied for customer '\(customer.id)'",
                                          at: allow.provenance.location,
                                          notes: [.note("denied here", at: deny.provenance.location)]))
            }
            for (key, allow) in allowedPathOnly.sorted(by: { $0.key < $1.key }) {
                guard let deny = deniedPathOnly[key] else { continue }
                diagnostics.append(.error("path '\(allow.path ?? "")' is both allowed and denied for customer '\(customer.id)'",
                                          at: allow.provenance.location,
                                          notes: [.note("denied here", at: deny.provenance.location)]))
            }
        }

        // Duplicates: the same match written twice. A tree overlapping an explicit rule is normal.
        var firstByKey: [String: ResolvedRule] = [:]
        var kept: [ResolvedRule] = []
        for rule in customer.rules.sorted(by: { $0.provenance.location < $1.provenance.location }) {
            if let first = firstByKey[rule.matchKey] {
                if first.provenance.source != "tree" && rule.provenance.source != "tree" {
                    diagnostics.append(.warning("duplicate rule: \(describe(rule)) is already in customer '\(customer.id)'",
                                                at: rule.provenance.location,
                                                notes: [.note("first written here", at: first.provenance.location)]))
                }
                continue
            }
            firstByKey[rule.matchKey] = rule
            kept.append(rule)
        }
        var result = customer
        result.rules = kept.sorted(by: ResolvedRule.sortKey)
        return (result, diagnostics)
    }

    static func keepFirst(_ map: inout [String: ResolvedRule], _ key: String, _ rule: ResolvedRule) {
        if let existing = map[key], existing.provenance.location < rule.provenance.location { return }
        map[key] = rule
    }

    static func abbreviated(_ hash: String) -> String {
        hash.count == 64 ? "\(hash.prefix(4))…\(hash.suffix(2))" : hash
    }

    static func describe(_ rule: ResolvedRule) -> String {
        var parts = [rule.decision.rawValue]
        if let hash = rule.sha256 { parts.append("sha256 \(abbreviated(hash))") }
        if let path = rule.path { parts.append("'\(path)'") }
        if let publisher = rule.windows?.publisher { parts.append("publisher '\(publisher.publisher)'") }
        return parts.joined(separator: " ")
    }
}

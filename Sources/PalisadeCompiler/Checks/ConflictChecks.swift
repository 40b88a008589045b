import PalisadeModel

/// Checks that need concrete rules: conflicts and duplicates within one customer.
public enum ConflictChecks {
    /// Reports conflicts and duplicates, and returns the customer with exact duplicates removed
    /// (the first by source location is kept).
    public static func check(_ customer: ResolvedCustomer) -> (ResolvedCustomer, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let rules = customer.rules

        // The same content (by hash) allowed and denied. Maps hold indices into `rules`.
        for platform in Platform.allCases {
            var allowedByHash: [String: Int] = [:]
            var deniedByHash: [String: Int] = [:]
            var allowedPathOnly: [String: Int] = [:]
            var deniedPathOnly: [String: Int] = [:]
            for (index, rule) in rules.enumerated() where rule.platform == platform {
                if let hash = rule.sha256 {
                    if rule.decision == .allow { keepFirst(&allowedByHash, hash, index, rules) } else { keepFirst(&deniedByHash, hash, index, rules) }
                } else if let path = rule.path, rule.windows?.publisher == nil {
                    let key = (rule.pathMatch?.rawValue ?? "") + ":" + path
                    if rule.decision == .allow { keepFirst(&allowedPathOnly, key, index, rules) } else { keepFirst(&deniedPathOnly, key, index, rules) }
                }
            }
            for (hash, allow) in allowedByHash.sorted(by: { $0.key < $1.key }) {
                guard let deny = deniedByHash[hash] else { continue }
                diagnostics.append(.error("sha256 \(abbreviated(hash)) is both allowed and denied for customer '\(customer.id)'",
                                          at: rules[allow].provenance.location,
                                          notes: [.note("denied here", at: rules[deny].provenance.location)]))
            }
            for (key, allow) in allowedPathOnly.sorted(by: { $0.key < $1.key }) {
                guard let deny = deniedPathOnly[key] else { continue }
                diagnostics.append(.error("path '\(rules[allow].path ?? "")' is both allowed and denied for customer '\(customer.id)'",
                                          at: rules[allow].provenance.location,
                                          notes: [.note("denied here", at: rules[deny].provenance.location)]))
            }
        }

        // Duplicates: the same match written twice. A tree overlapping an explicit rule is normal.
        // The first by source location is kept.
        var firstByKey: [ResolvedRule.MatchKey: Int] = [:]
        firstByKey.reserveCapacity(rules.count)
        var kept = [Bool](repeating: false, count: rules.count)
        let byLocation = rules.indices.sorted { rules[$0].provenance.location < rules[$1].provenance.location }
        for index in byLocation {
            let rule = rules[index]
            let key = rule.matchKey
            if let first = firstByKey[key] {
                if rules[first].provenance.source != "tree" && rule.provenance.source != "tree" {
                    diagnostics.append(.warning("duplicate rule: \(describe(rule)) is already in customer '\(customer.id)'",
                                                at: rule.provenance.location,
                                                notes: [.note("first written here", at: rules[first].provenance.location)]))
                }
                continue
            }
            firstByKey[key] = index
            kept[index] = true
        }
        var result = customer
        // The resolver hands rules over in this order already, so this rarely sorts.
        result.rules = rules.indices.filter { kept[$0] }.map { rules[$0] }.sortedByKey()
        return (result, diagnostics)
    }

    static func keepFirst(_ map: inout [String: Int], _ key: String, _ index: Int, _ rules: [ResolvedRule]) {
        if let existing = map[key], rules[existing].provenance.location < rules[index].provenance.location { return }
        map[key] = index
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

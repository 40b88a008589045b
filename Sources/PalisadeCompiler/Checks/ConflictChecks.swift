import PalisadeModel

/// Checks that need concrete rules: conflicts and duplicates within one customer.
public enum ConflictChecks {
    /// Reports conflicts and duplicates, and returns the customer with exact duplicates removed
    /// (the first by source location is kept).
    public static func check(_ customer: ResolvedCustomer) -> (ResolvedCustomer, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let rules = customer.rules

        // The same content (by hash) allowed and denied. Maps hold indices into `rules`, one set
        // of maps per platform, filled in one pass; only the conflicts found are sorted.
        var byPlatform: [Platform: ConflictMaps] = [:]
        for index in rules.indices {
            let slot = rules[index].platform
            let allow = rules[index].decision == .allow
            if let hash = rules[index].sha256 {
                if allow { keepFirst(&byPlatform[slot, default: ConflictMaps(capacity: rules.count)].allowedByHash, hash, index, rules) } else { keepFirst(&byPlatform[slot, default: ConflictMaps(capacity: rules.count)].deniedByHash, hash, index, rules) }
            } else if let path = rules[index].path, rules[index].windows?.publisher == nil {
                let key = (rules[index].pathMatch?.rawValue ?? "") + ":" + path
                if allow { keepFirst(&byPlatform[slot, default: ConflictMaps(capacity: rules.count)].allowedPathOnly, key, index, rules) } else { keepFirst(&byPlatform[slot, default: ConflictMaps(capacity: rules.count)].deniedPathOnly, key, index, rules) }
            }
        }
        for platform in Platform.allCases {
            guard let maps = byPlatform[platform] else { continue }
            for (hash, allow, deny) in ConflictMaps.conflicts(maps.allowedByHash, maps.deniedByHash) {
                diagnostics.append(.error("sha256 \(abbreviated(hash)) is both allowed and denied for customer '\(customer.id)'",
                                          at: rules[allow].provenance.location,
                                          notes: [.note("denied here", at: rules[deny].provenance.location)]))
            }
            for (_, allow, deny) in ConflictMaps.conflicts(maps.allowedPathOnly, maps.deniedPathOnly) {
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
        let byLocation = indicesByLocation(rules)
        for index in byLocation {
            let key = rules[index].matchKey
            if let first = firstByKey[key] {
                if rules[first].provenance.source != "tree" && rules[index].provenance.source != "tree" {
                    diagnostics.append(.warning("duplicate rule: \(describe(rules[index])) is already in customer '\(customer.id)'",
                                                at: rules[index].provenance.location,
                                                notes: [.note("first written here", at: rules[first].provenance.location)]))
                }
                continue
            }
            firstByKey[key] = index
            kept[index] = true
        }
        var result = customer
        // The resolver hands rules over in this order already, so this rarely sorts.
        // Without duplicates (the usual case), the same storage, not a copy of every rule.
        result.rules = kept.contains(false) ? rules.indices.filter { kept[$0] }.map { rules[$0] }.sortedByKey()
                                            : rules.sortedByKey()
        return (result, diagnostics)
    }

    /// First allow and first deny (by source location) of each hash, and of each path-only match.
    struct ConflictMaps {
        var allowedByHash: [String: Int] = [:]
        var deniedByHash: [String: Int] = [:]
        var allowedPathOnly: [String: Int] = [:]
        var deniedPathOnly: [String: Int] = [:]

        /// Room for `capacity` allowed hashes, the common case, without growing.
        init(capacity: Int) { allowedByHash.reserveCapacity(capacity) }

        /// Keys in both maps, in key order, with the allow's and the deny's index.
        static func conflicts(_ allowed: [String: Int], _ denied: [String: Int]) -> [(key: String, allow: Int, deny: Int)] {
            let (small, large, smallIsAllowed) = allowed.count <= denied.count ? (allowed, denied, true) : (denied, allowed, false)
            var found: [(key: String, allow: Int, deny: Int)] = []
            for (key, index) in small {
                guard let other = large[key] else { continue }
                found.append(smallIsAllowed ? (key, index, other) : (key, other, index))
            }
            return found.sorted { $0.key < $1.key }
        }
    }

    /// The indices of `rules` in source-location order, as `SourceLocation`'s `<` orders them.
    /// Compares integers: each distinct file is ranked once, instead of comparing (and copying)
    /// file names in every one of the n log n comparisons.
    static func indicesByLocation(_ rules: [ResolvedRule]) -> [Int] {
        var fileNumbers: [String: Int] = [:]
        var files: [String] = []
        var fileOf: [Int] = [], lineOf: [Int] = []
        fileOf.reserveCapacity(rules.count)
        lineOf.reserveCapacity(rules.count)
        for index in rules.indices {
            let file = rules[index].provenance.location.file
            if let number = fileNumbers[file] {
                fileOf.append(number)
            } else {
                fileNumbers[file] = files.count
                fileOf.append(files.count)
                files.append(file)
            }
            lineOf.append(rules[index].provenance.location.line)
        }
        var rank = [Int](repeating: 0, count: files.count)
        for (position, file) in files.indices.sorted(by: { files[$0] < files[$1] }).enumerated() { rank[file] = position }
        return rules.indices.sorted { a, b in
            let (fileA, fileB) = (rank[fileOf[a]], rank[fileOf[b]])
            return fileA != fileB ? fileA < fileB : lineOf[a] < lineOf[b]
        }
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

import PalisadeModel

/// Checks that need concrete rules: conflicts and duplicates within one customer.
///
/// Paths and hashes are compared by their bytes, as endpoints compare file names: `/opt/café`
/// written precomposed and decomposed are two files on Linux and Windows, not one rule twice.
public enum ConflictChecks {
    /// Reports conflicts and duplicates, and returns the customer with exact duplicates removed
    /// (the first by source location is kept), its rules in ``ResolvedRule/sortKey(_:_:)`` order.
    public static func check(_ customer: ResolvedCustomer) -> (ResolvedCustomer, [Diagnostic]) {
        // The resolver hands rules over in this order already: then this is the same storage.
        let rules = customer.rules.sortedByKey()
        var diagnostics = conflicts(rules, customerID: customer.id)
        var result = customer
        result.rules = removingDuplicates(rules, customerID: customer.id, diagnostics: &diagnostics)
        return (result, diagnostics)
    }

    // MARK: allowed and denied

    /// The same content (by hash) allowed and denied, and the same path allowed and denied by
    /// rules without a hash, per platform: one error each, at the first allow by source location,
    /// with a note at the first denial.
    static func conflicts(_ rules: [ResolvedRule], customerID: String) -> [Diagnostic] {
        // Denials are few: index them, then look each allow up, first by the hash's leading
        // bytes (an integer) so that an allow without a conflict costs no key of its own.
        var denied = ConflictKeys()
        for index in rules.indices where rules[index].decision == .deny {
            if let key = conflictKey(rules, index) { denied.insert(key, index, rules) }
        }
        guard !denied.isEmpty else { return [] }
        var allowed = ConflictKeys()
        for index in rules.indices where rules[index].decision == .allow {
            guard denied.mayContain(rules, index), let key = conflictKey(rules, index), denied.first[key] != nil
            else { continue }
            allowed.insert(key, index, rules)
        }
        let found = allowed.first.keys.sorted { a, b in
            if a.platform != b.platform { return a.platform < b.platform }
            if a.byHash != b.byHash { return a.byHash }
            return ByteOrder.precedes(a.bytes, b.bytes) == true
        }
        return found.map { key in
            let (allow, deny) = (allowed.first[key]!, denied.first[key]!)
            let what = key.byHash ? "sha256 \(abbreviated(rules[allow].sha256 ?? ""))"
                                  : "path '\(rules[allow].path ?? "")'"
            return .error("\(what) is both allowed and denied for customer '\(customerID)'",
                          at: rules[allow].provenance.location,
                          notes: [.note("denied here", at: rules[deny].provenance.location)])
        }
    }

    /// What an allow and a denial conflict on: the hash, or for a rule without one (and without
    /// a publisher) how and which path it matches.
    struct ConflictKey: Hashable {
        var platform: Platform
        var byHash: Bool
        var bytes: [UInt8]
    }

    static func conflictKey(_ rules: [ResolvedRule], _ index: Int) -> ConflictKey? {
        if let hash = rules[index].sha256 {
            return ConflictKey(platform: rules[index].platform, byHash: true, bytes: Array(hash.utf8))
        }
        guard let path = rules[index].path, rules[index].windows?.publisher == nil else { return nil }
        return ConflictKey(platform: rules[index].platform, byHash: false,
                           bytes: Array((rules[index].pathMatch?.rawValue ?? "").utf8) + [0x3A] + Array(path.utf8))
    }

    /// The first rule by source location of each key, and the keys' leading bytes.
    struct ConflictKeys {
        var first: [ConflictKey: Int] = [:]
        var hashHeads = Set<UInt64>()
        var hasPathKeys = false

        var isEmpty: Bool { first.isEmpty }

        mutating func insert(_ key: ConflictKey, _ index: Int, _ rules: [ResolvedRule]) {
            if key.byHash { hashHeads.insert(key.bytes.withUnsafeBufferPointer(Self.head)) } else { hasPathKeys = true }
            if let existing = first[key], rules[existing].provenance.location <= rules[index].provenance.location { return }
            first[key] = index
        }

        /// False when rule `index` certainly has no key here.
        func mayContain(_ rules: [ResolvedRule], _ index: Int) -> Bool {
            guard let hash = rules[index].sha256 else { return hasPathKeys }
            return hashHeads.contains(hash.utf8.withContiguousStorageIfAvailable(Self.head) ?? Array(hash.utf8).withUnsafeBufferPointer(Self.head))
        }

        /// Up to the first 8 bytes, as an integer (the first byte lowest).
        static func head(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
            if bytes.count >= 8 { return UInt64(littleEndian: UnsafeRawPointer(bytes.baseAddress!).loadUnaligned(as: UInt64.self)) }
            var value: UInt64 = 0
            for (offset, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(offset)) }
            return value
        }
    }

    // MARK: duplicates

    /// `rules` (in sortKey order) without the rules that repeat an earlier one's match, keeping
    /// the first by source location, with a warning for each repeat. A tree overlapping another
    /// rule is normal and not reported.
    ///
    /// Rules with the same platform, decision, path and hash are next to each other in sortKey
    /// order, so only such runs (almost always of one rule) are compared.
    static func removingDuplicates(_ rules: [ResolvedRule], customerID: String,
                                   diagnostics: inout [Diagnostic]) -> [ResolvedRule] {
        var dropped: [Int] = []
        var start = 0
        while start < rules.count {
            var end = start + 1
            while end < rules.count && sameTarget(rules, start, end) { end += 1 }
            if end - start > 1 { findRepeats(rules, start..<end, customerID: customerID, dropped: &dropped, diagnostics: &diagnostics) }
            start = end
        }
        // Without duplicates (the usual case): the same storage, not a copy of every rule.
        guard !dropped.isEmpty else { return rules }
        var keep = [Bool](repeating: true, count: rules.count)
        for index in dropped { keep[index] = false }
        return rules.indices.filter { keep[$0] }.map { rules[$0] }
    }

    /// Same platform, decision, path bytes and hash bytes.
    static func sameTarget(_ rules: [ResolvedRule], _ a: Int, _ b: Int) -> Bool {
        rules[a].platform == rules[b].platform && rules[a].decision == rules[b].decision
            && (rules[a].path == nil) == (rules[b].path == nil)
            && ByteOrder.precedes(rules[a].path ?? "", rules[b].path ?? "") == nil
            && (rules[a].sha256 == nil) == (rules[b].sha256 == nil)
            && ByteOrder.precedes(rules[a].sha256 ?? "", rules[b].sha256 ?? "") == nil
    }

    /// Within a run of rules with the same target: the repeats of a match key, in source order.
    static func findRepeats(_ rules: [ResolvedRule], _ run: Range<Int>, customerID: String,
                            dropped: inout [Int], diagnostics: inout [Diagnostic]) {
        let byLocation = run.sorted { a, b in
            let (x, y) = (rules[a].provenance.location, rules[b].provenance.location)
            return x != y ? x < y : a < b
        }
        var firstByKey: [ResolvedRule.MatchKey: Int] = [:]
        for index in byLocation {
            let key = rules[index].matchKey
            guard let first = firstByKey[key] else {
                firstByKey[key] = index
                continue
            }
            dropped.append(index)
            if rules[first].provenance.source != "tree" && rules[index].provenance.source != "tree" {
                diagnostics.append(.warning("duplicate rule: \(describe(rules[index])) is already in customer '\(customerID)'",
                                            at: rules[index].provenance.location,
                                            notes: [.note("first written here", at: rules[first].provenance.location)]))
            }
        }
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

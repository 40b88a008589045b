import PalisadeModel

/// Windows AppLocker: one policy file, `applocker/<customer>.xml`, for Set-AppLockerPolicy or a GPO.
///
/// - One `RuleCollection` per collection the customer's Windows rules use (Exe, Msi, Script, Dll,
///   Appx), `EnforcementMode` `AuditOnly` in audit mode and `Enabled` in enforce mode.
/// - Reference binaries and scripts become FileHashRules (`Type="SHA256"`: the Authenticode hash
///   for PE files, the flat SHA-256 for scripts, with SourceFileName and SourceFileLength); paths
///   and directories FilePathRules (`dir\*`); publishers FilePublisherRules.
/// - Lock-out protection: ``AppLockerDefaultRules``.
/// - Rule Ids: ``AppLockerRuleID``. Names and descriptions: ``AppLockerXMLText``.
///
/// Pure: the same customer gives the same bytes (UTF-8, LF, XML declaration, no timestamps).
/// Only rules with `platform == .windows` are read; no Windows rules, no file.
public struct AppLockerEmitter: BackendEmitter {
    public var backend: Backend { .applocker }
    public init() {}

    public func emit(_ customer: ResolvedCustomer) -> EmitterOutput {
        let windowsRules = customer.rules(for: .windows)
        guard !windowsRules.isEmpty else { return EmitterOutput() }
        var diagnostics: [Diagnostic] = []

        // 1. The policy's own rules, per collection; identical rules once.
        var byCollection: [AppLockerCollection: [AppLockerRule]] = [:]
        var seen = Set<ExactString>()  // by bytes: NTFS tells caf\u{E9} and cafe\u{301} apart
        for rule in windowsRules {
            guard let converted = convert(rule, customer: customer, diagnostics: &diagnostics) else { continue }
            guard seen.insert(ExactString(converted.contentKey)).inserted else { continue }
            byCollection[converted.collection, default: []].append(converted)
        }

        // 2. Lock-out protection.
        let addDefaults = customer.appLockerDefaultRules ?? true
        var added: [AppLockerCollection: String] = [:]
        for (collection, rules) in byCollection {
            if rules.contains(where: { $0.action == .allow }) {
                guard addDefaults else { added[collection] = "none (appLockerDefaultRules: false)"; continue }
                let defaults = AppLockerDefaultRules.allowlistDefaults(for: collection)
                    .filter { seen.insert(ExactString($0.contentKey)).inserted }
                byCollection[collection]! += defaults
                added[collection] = "default rules"
            } else {
                let allowAll = AppLockerDefaultRules.denylistAllowAll(for: collection)
                if seen.insert(ExactString(allowAll.contentKey)).inserted { byCollection[collection]! .append(allowAll) }
                added[collection] = "allow everything not denied"
            }
        }
        guard !byCollection.isEmpty else {
            return EmitterOutput(diagnostics: diagnostics)
        }

        // 3. Ids, unique across the whole policy; Microsoft's default Ids only for those rules.
        var ids = Set<String>()
        var lines = [#"<?xml version="1.0" encoding="utf-8"?>"#, #"<AppLockerPolicy Version="1">"#]
        let enforcement = customer.mode(for: .applocker) == .enforce ? "Enabled" : "AuditOnly"
        var ruleCount = 0
        for collection in AppLockerCollection.allCases {
            guard let rules = byCollection[collection], !rules.isEmpty else { continue }
            lines.append("  <RuleCollection Type=\"\(collection.rawValue)\" EnforcementMode=\"\(enforcement)\">")
            for rule in rules {
                var id = rule.fixedID ?? AppLockerRuleID.make(customer: customer.id, content: rule.contentKey)
                var attempt = 1
                while ids.contains(id) || (rule.fixedID == nil && AppLockerRuleID.microsoftDefaults.contains(id)) {
                    attempt += 1
                    id = AppLockerRuleID.make(customer: customer.id, content: rule.contentKey + "\u{1D}\(attempt)")
                }
                ids.insert(id)
                lines += rule.xml(id: id)
                ruleCount += 1
            }
            lines.append("  </RuleCollection>")
        }
        lines.append("</AppLockerPolicy>")
        let text = lines.joined(separator: "\n") + "\n"

        // 4. Count the rules in what was written: no value may have added or removed one.
        let written = ["<FilePathRule ", "<FilePublisherRule ", "<FileHashRule "].reduce(0) {
            $0 + text.components(separatedBy: $1).count - 1
        }
        guard written == ruleCount else {
            diagnostics.append(.error("internal error: the AppLocker policy of '\(customer.id)' has \(written) rules, expected \(ruleCount); not written",
                                      at: customer.location, backend: .applocker))
            return EmitterOutput(diagnostics: diagnostics)
        }

        let path = "applocker/\(customer.id).xml"
        return EmitterOutput(files: [path: Array(text.utf8)], diagnostics: diagnostics,
                             installNotes: AppLockerInstallNotes.render(customer: customer, path: path,
                                                                        enforcement: enforcement, added: added))
    }

    /// One resolved rule as an AppLocker rule, or nil with a diagnostic when it cannot be one.
    func convert(_ rule: ResolvedRule, customer: ResolvedCustomer, diagnostics: inout [Diagnostic]) -> AppLockerRule? {
        let at = rule.provenance.location
        guard let windows = rule.windows else {
            diagnostics.append(.error("Windows rule without AppLocker attributes", at: at, backend: .applocker))
            return nil
        }
        func refuse(_ message: String) -> AppLockerRule? {
            diagnostics.append(.error(message, at: at, backend: .applocker))
            return nil
        }
        guard Self.isSID(windows.userOrGroupSID) else {
            return refuse("'\(windows.userOrGroupSID)' is not a SID AppLocker accepts (S-1-…)")
        }

        let condition: AppLockerRule.Condition
        let name: String
        if let publisher = windows.publisher {
            let low = publisher.lowVersion ?? "*", high = publisher.highVersion ?? "*"
            for (field, value) in [("publisher", publisher.publisher), ("product", publisher.product),
                                   ("binary name", publisher.binaryName)] {
                if let problem = AppLockerXMLText.conditionValueProblem(value) {
                    return refuse("publisher condition's \(field) '\(value)' \(problem)")
                }
            }
            if publisher.publisher.isEmpty { return refuse("publisher condition has an empty publisher name") }
            for version in [low, high] where !Self.isVersion(version) {
                return refuse("version '\(version)' is neither '*' nor four dot-separated numbers from 0 to 65535 (e.g. 1.2.0.0)")
            }
            if let l = Self.versionParts(low), let h = Self.versionParts(high), l.lexicographicallyPrecedes(h) == false, l != h {
                return refuse("version range \(low)–\(high) is empty: the low version is above the high version")
            }
            condition = .publisher(name: publisher.publisher, product: publisher.product, binary: publisher.binaryName,
                                   low: low, high: high)
            name = "\(publisher.publisher) / \(publisher.product) / \(publisher.binaryName) / \(low)–\(high)"
        } else if let hash = windows.appLockerHash {
            guard hash.utf8.count == 64, hash.utf8.allSatisfy({ $0.isHexDigit }) else {
                return refuse("AppLocker hash '\(hash)' is not 64 hexadecimal digits")
            }
            let fileName = rule.path.map(WindowsResolution.windowsFileName)
                ?? rule.provenance.reference.map { String($0.split(separator: "/").last ?? "") }
            condition = .hash(data: "0x" + hash.uppercased(), fileName: fileName, length: rule.size)
            name = fileName.flatMap { $0.isEmpty ? nil : $0 } ?? "SHA256 0x" + hash.uppercased()
        } else if rule.sha256 != nil {
            diagnostics.append(.warning("sha256 rule left out of the AppLocker policy: AppLocker identifies \(windows.collection.rawValue) files by their Authenticode hash, not the file's SHA-256; use a reference binary (its hash is computed at build time), a publisher, or `palisade inspect` on the vendor's file; verify still checks the SHA-256",
                                        at: at, backend: .applocker))
            return nil
        } else if let path = rule.path {
            let full = rule.pathMatch == .directory ? (path.hasSuffix("\\") ? path : path + "\\") + "*" : path
            if let problem = EndpointPathCheck.problem(with: path, platform: .windows, isDirectory: rule.pathMatch == .directory)
                ?? AppLockerXMLText.conditionValueProblem(full) {
                return refuse("AppLocker path '\(full)' \(problem)")
            }
            condition = .path(full)
            name = full
        } else {
            return refuse("Windows rule with neither a hash, a path nor a publisher")
        }
        if windows.collection == .appx {
            if case .publisher = condition {} else {
                return refuse("the Appx collection (packaged apps) takes publisher rules only")
            }
        }
        return AppLockerRule(collection: windows.collection, action: rule.decision, sid: windows.userOrGroupSID,
                             name: name, description: Self.describe(rule, customer: customer), condition: condition)
    }

    /// The rule's Description: why it exists, who owns it, and where it was written.
    static func describe(_ rule: ResolvedRule, customer: ResolvedCustomer) -> String {
        let p = rule.provenance
        var parts: [String] = []
        if let reason = p.reason { parts.append(reason) }
        if let owner = p.owner { parts.append("owner: \(owner)") }
        if let ticket = p.ticket { parts.append("ticket: \(ticket)") }
        if let expires = p.expires { parts.append("expires: \(expires)") }
        if let path = rule.path, rule.windows?.appLockerHash != nil { parts.append("at \(path)") }
        var origin = "Palisade \(customer.id), \(p.location)"
        if let baseline = p.baseline { origin += " (baseline \(baseline))" }
        if let reference = p.reference { origin += ", from \(reference)" }
        parts.append(origin)
        return parts.joined(separator: "; ")
    }

    /// `S-1` followed by one or more `-` groups of hex digits (the schema's pattern), at least 7 characters.
    static func isSID(_ sid: String) -> Bool {
        guard sid.hasPrefix("S-1-"), sid.utf8.count >= 7 else { return false }
        let groups = sid.dropFirst(3).split(separator: "-", omittingEmptySubsequences: false).dropFirst()
        return !groups.isEmpty && groups.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { $0.isHexDigit } }
    }

    static func versionParts(_ version: String) -> [Int]? {
        let parts = version.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [Int] = []
        for part in parts {
            guard (1...5).contains(part.utf8.count), part.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  let value = Int(part), value <= 65535 else { return nil }
            out.append(value)
        }
        return out
    }

    static func isVersion(_ version: String) -> Bool { version == "*" || versionParts(version) != nil }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x46) || (self >= 0x61 && self <= 0x66)
    }
}

import PalisadeModel

/// Compares an endpoint's effective AppLocker policy (`Get-AppLockerPolicy -Effective -Xml`,
/// UTF-16 or UTF-8) with the bundle's: each collection's enforcement mode, every bundle rule
/// present with the same content, and no extra rule that would allow more.
enum AppLockerEffective {
    static func compare(effective: [UInt8], bundle: LoadedBundle) -> [Finding] {
        guard let (path, expectedBytes) = bundle.files.first(where: { $0.key.hasPrefix("applocker/") && $0.key.hasSuffix(".xml") }) else {
            return [Finding(.unknown, check: "applocker", message: "applocker: the bundle has no AppLocker policy to compare with")]
        }
        let expected: XMLElement, actual: XMLElement
        do {
            expected = try MiniXML.parse(expectedBytes)
        } catch {
            return [Finding(.unknown, check: "applocker", path: path, message: "applocker: the bundle's policy cannot be read: \(error)")]
        }
        do {
            actual = try MiniXML.parse(effective)
        } catch {
            return [Finding(.unknown, check: "applocker", message: "applocker: the effective policy export cannot be read: \(error)")]
        }
        var findings: [Finding] = []
        let actualCollections = Dictionary(actual.all("RuleCollection").map { ($0.attributes["Type"] ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        for collection in expected.all("RuleCollection") {
            let type = collection.attributes["Type"] ?? "?"
            let wantedMode = collection.attributes["EnforcementMode"] ?? "NotConfigured"
            guard let effectiveCollection = actualCollections[type] else {
                findings.append(Finding(.notDeployed, check: "applocker", path: type, expected: wantedMode, actual: "absent",
                                        message: "applocker: rule collection \(type) is not in the effective policy"))
                continue
            }
            let mode = effectiveCollection.attributes["EnforcementMode"] ?? "NotConfigured"
            findings.append(Finding(mode == wantedMode ? .ok : .different, check: "applocker", path: type, expected: wantedMode, actual: mode,
                                    message: mode == wantedMode ? "applocker: \(type) is \(mode)" : "applocker: \(type) is \(mode), the policy asks for \(wantedMode)"))
            let wantedRules = rules(of: collection)
            let effectiveRules = rules(of: effectiveCollection)
            for (id, content) in wantedRules.sorted(by: { $0.key < $1.key }) {
                switch effectiveRules[id] {
                case nil:
                    findings.append(Finding(.notDeployed, check: "applocker", path: "\(type) \(id)", expected: "present", actual: "absent",
                                            message: "applocker: rule \(id) (\(type)) is not in the effective policy"))
                case let other? where other != content:
                    findings.append(Finding(.different, check: "applocker", path: "\(type) \(id)", expected: content, actual: other,
                                            message: "applocker: rule \(id) (\(type)) differs in the effective policy"))
                default:
                    findings.append(Finding(.ok, check: "applocker", path: "\(type) \(id)", message: "applocker: rule \(id) (\(type)) is in force"))
                }
            }
            for (id, content) in effectiveRules.sorted(by: { $0.key < $1.key }) where wantedRules[id] == nil {
                // Another GPO's rule: an extra allow widens the allowlist; an extra deny only narrows it.
                let widens = content.contains("Action=Allow")
                findings.append(Finding(widens ? .different : .ok, check: "applocker", path: "\(type) \(id)", expected: "absent",
                                        actual: content,
                                        message: widens ? "applocker: the effective policy has an extra allow rule \(id) (\(type)) not in the bundle"
                                                        : "applocker: extra deny rule \(id) (\(type)) from another policy"))
            }
        }
        return findings
    }

    /// Rule id → its content, without names and descriptions (which do not change what it matches).
    static func rules(of collection: XMLElement) -> [String: String] {
        var out: [String: String] = [:]
        for rule in collection.children where rule.name.hasSuffix("Rule") {
            guard let id = rule.attributes["Id"]?.lowercased() else { continue }
            out[id] = canonical(rule, skip: ["Id", "Name", "Description"])
        }
        return out
    }

    static func canonical(_ element: XMLElement, skip: Set<String> = []) -> String {
        let attributes = element.attributes.filter { !skip.contains($0.key) }.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.key == "Data" ? $0.value.uppercased() : $0.value)" }
        return "\(element.name)(\(attributes.joined(separator: ",")))[" + element.children.map { canonical($0) }.joined(separator: ";") + "]"
    }
}

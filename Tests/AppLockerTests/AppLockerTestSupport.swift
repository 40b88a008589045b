import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PalisadeCompiler
import PalisadeModel
import PalisadeTestSupport
import Testing

/// The project's schema, written from the documented constraints.
let appLockerSchema = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("Fixtures/AppLockerPolicy.xsd").path

struct ToolMissing: Error, CustomStringConvertible {
    var description: String
}

func requireTool(_ name: String) throws -> String {
    guard let path = which(name) else { throw ToolMissing(description: "\(name) is not installed; run .ci/setup test") }
    return path
}

/// Runs xmllint against the schema; returns its exit status and messages.
func validate(_ xml: [UInt8]) throws -> (status: Int32, messages: String) {
    let xmllint = try requireTool("xmllint")
    let dir = try TemporaryDirectory("palisade-applocker")
    let file = dir.path + "/policy.xml"
    try Data(xml).write(to: URL(fileURLWithPath: file))
    let result = try run(xmllint, ["--noout", "--schema", appLockerSchema, file])
    return (result.status, result.out + result.err)
}

/// The policy as a DOM, for structural assertions.
func document(_ xml: [UInt8]) throws -> XMLDocument {
    try XMLDocument(data: Data(xml), options: [])
}

func rules(_ doc: XMLDocument) throws -> [XMLElement] {
    try doc.nodes(forXPath: "/AppLockerPolicy/RuleCollection/*").compactMap { $0 as? XMLElement }
}

extension XMLElement {
    func attr(_ name: String) -> String? { attribute(forName: name)?.stringValue }
    /// The Path of a FilePathRule's condition.
    var conditionPath: String? { (try? nodes(forXPath: "Conditions/FilePathCondition/@Path"))?.first?.stringValue }
}

/// A resolved Windows rule, as the resolver would make it.
func windowsRule(_ decision: Decision, collection: AppLockerCollection = .exe, sid: String = "S-1-1-0",
                 path: String? = nil, directory: Bool = false, hash: String? = nil, sha256: String? = nil,
                 size: Int64? = nil, publisher: PublisherCondition? = nil, reason: String? = nil,
                 line: Int = 1, source: String = "binary") -> ResolvedRule {
    ResolvedRule(decision: decision, platform: .windows, sha256: sha256, size: size, path: path,
                 pathMatch: path == nil ? nil : (directory ? .directory : .file), fileKind: nil,
                 windows: ResolvedWindowsAttributes(collection: collection, userOrGroupSID: sid, appLockerHash: hash,
                                                    publisher: publisher),
                 provenance: Provenance(location: SourceLocation(file: "policies/test.swift", line: line), source: source,
                                        metadata: RuleMetadata(reason: reason, owner: "test-owner")))
}

func customer(_ rules: [ResolvedRule], id: String = "testco", mode: Mode = .audit, defaults: Bool? = nil) -> ResolvedCustomer {
    ResolvedCustomer(id: id, displayName: "Test Co", mode: mode, backendModes: [:], linuxConfinement: nil,
                     rules: rules.sorted(by: ResolvedRule.sortKey),
                     location: SourceLocation(file: "policies/test.swift", line: 1), appLockerDefaultRules: defaults)
}

let hashA = String(repeating: "ab", count: 32)
let hashB = String(repeating: "0f", count: 32)
